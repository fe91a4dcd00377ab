"""A real Celery worker process delivers notifications made inside a web request:
with the embedded filesystem broker by default, with Redis when REDIS_URL is set
(CI runs the suite both ways)."""

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from apps.notifications.models import Delivery
from apps.notifications.tasks import notifications_deliver_email

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "PORTAL_VAR_DIR": str(settings.VAR_DIR),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--purge",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    log = []
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        log.append(line)
        if " ready." in line:
            break
    else:
        proc.kill()
        pytest.fail("worker did not start:\n" + "".join(log))
    if proc.poll() is not None:
        pytest.fail("worker exited:\n" + "".join(log))
    yield mail_dir
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def mails_to(mail_dir: Path) -> list[str]:
    if not mail_dir.exists():
        return []
    return [
        line.removeprefix("To: ").strip()
        for path in sorted(mail_dir.iterdir())
        for line in path.read_text().splitlines()
        if line.startswith("To: ")
    ]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_notification_from_a_request_is_mailed_exactly_once_by_a_real_worker(
    worker, client_for, coe_user, user_factory
):
    readers = [user_factory() for _ in range(3)]
    response = client_for(coe_user).post(
        reverse("notifications:announcement_create"), {"title": "システム停止のお知らせ", "body": "土曜日"}
    )
    assert response.status_code == 302

    def all_sent() -> bool:
        return Delivery.objects.filter(status="sent").count() == len(readers)

    wait_until(all_sent, "the worker to send every delivery")
    assert sorted(mails_to(worker)) == sorted(u.email for u in readers)

    # The same deliveries handed to the worker again (a redelivered message) send nothing;
    # a later notification still goes out, so the worker did process the duplicates first.
    notifications_deliver_email.delay(list(Delivery.objects.values_list("pk", flat=True)))
    late = user_factory()
    client_for(coe_user).post(reverse("notifications:announcement_create"), {"title": "追加", "body": "x"})
    wait_until(lambda: Delivery.objects.filter(notification__recipient=late, status="sent").exists(), "late mail")

    sent = mails_to(worker)
    assert sorted(sent) == sorted([u.email for u in readers] * 2 + [late.email])
    assert all(d.attempts == 1 for d in Delivery.objects.all())
