# ruff: noqa: F811 - the fixtures imported from the fakes are re-bound by the test parameters using them
"""The beat's daily directory sync, run by a real Celery worker process (the embedded
filesystem broker, or Redis with REDIS_URL) against the local HTTPS fake of Graph: the worker
gets the fake's URLs and its CA through its environment, like a deployment gets its settings.

The worker listens on a queue of this test's own: with `make test -n 2` another test's worker
may be running on the same broker at the same time, and must not take this task (nor this
worker another test's)."""

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.conf import settings

from apps.accounts.models import DirectorySyncRun, User
from portal.celery import app
from tests.accounts.directory_fake import GROUP, directory, oid_of, populate  # noqa: F401 - a fixture
from tests.accounts.test_sso_fakes import CLIENT_ID, CLIENT_SECRET, TENANT, tls_material  # noqa: F401
from tests.notifications.workers import database_url, wait_until

BEAT_ENTRY = "accounts-directory-sync"
ROOT = Path(__file__).resolve().parents[2]


class QueueWorker:
    """`celery worker --pool=solo -Q <queue>`, as tests/notifications/workers.py starts one."""

    def __init__(self, *, queue: str, env: dict[str, str]) -> None:
        command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=INFO"]
        command += ["--without-heartbeat", "--without-gossip", "--without-mingle", "-Q", queue]
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url(), "PORTAL_VAR_DIR": str(settings.VAR_DIR), **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.log: list[str] = []
        threading.Thread(target=lambda: self.log.extend(self.proc.stdout), daemon=True).start()
        deadline = time.monotonic() + 60
        while not any(" ready." in line for line in self.log):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail("worker did not start:\n" + "".join(self.log))
            time.sleep(0.05)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=20)


@pytest.fixture
def queue() -> str:
    return f"directory-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def worker(directory, tls_material, queue):
    started = QueueWorker(
        queue=queue,
        env={
            "REQUESTS_CA_BUNDLE": tls_material[0],
            "CURL_CA_BUNDLE": "",
            "GRAPH_ENABLED": "1",
            "GRAPH_TENANT_ID": TENANT,
            "GRAPH_CLIENT_ID": CLIENT_ID,
            "GRAPH_CLIENT_SECRET": CLIENT_SECRET,
            "GRAPH_AUTHORITY_URL": f"{directory.base_url}/{TENANT}",
            "GRAPH_ENDPOINT": f"{directory.base_url}/v1.0",
            "GRAPH_RETRY_BACKOFF_SECONDS": "0",
            "DIRECTORY_SYNC_ENABLED": "1",
            "DIRECTORY_SYNC_GROUP_ID": GROUP,
        },
    )
    yield started
    started.stop()


def beat_task() -> str:
    entry = settings.CELERY_BEAT_SCHEDULE[BEAT_ENTRY]
    assert entry["schedule"] == crontab(hour=5, minute=15)  # daily, before the 07:30 reminders and 08:00 digest
    return entry["task"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_task_syncs_the_directory_in_a_real_worker(directory, worker, queue):
    populate(directory, 50)

    app.send_task(beat_task(), queue=queue)
    wait_until(
        lambda: DirectorySyncRun.objects.filter(status="succeeded").exists(),
        "the worker to finish the first run",
        seconds=120,
    )
    first = DirectorySyncRun.objects.get()
    assert first.trigger == "schedule" and first.full and first.counts == {"joined": 50, "dept_created": 10}
    assert User.objects.filter(is_active=True).count() == 50

    directory.update(oid_of(7), accountEnabled=False)
    directory.update(oid_of(8), department="防災課")
    app.send_task(beat_task(), queue=queue)
    wait_until(
        lambda: DirectorySyncRun.objects.filter(status="succeeded").count() == 2,
        "the worker to finish the second run",
        seconds=120,
    )
    second = DirectorySyncRun.objects.order_by("pk").last()
    assert not second.full and second.counts == {"left": 1, "transferred": 1}
    assert not User.objects.get(socialaccount__uid=oid_of(7)).is_active
    assert User.objects.get(socialaccount__uid=oid_of(8)).department.name_ja == "防災課"
    assert not any("Traceback" in line for line in worker.log), "".join(worker.log)
