"""A role removed is refused at once by every web process, not only by the one that removed it.

Real processes: `gunicorn -w 2` serves the portal with the settings as an operator gets them
(the embedded default, or Redis when this run has REDIS_URL) on this run's test database;
the role is removed in this process, as the Entra ID sign-in on another node would do."""

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import user_roles_set

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60

# Tells which worker answered: gunicorn's workers are separate processes.
WSGI_WITH_PID = """
import os

from portal.wsgi import application as portal


def application(environ, start_response):
    def start(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Worker-Pid", str(os.getpid()))], exc_info)

    return portal(environ, start)
"""


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def server_env(tmp_path, transactional_db) -> dict[str, str]:
    """What `make run` gives the web process (nothing set; REDIS_URL if this run uses Redis),
    on the test database, with caches and files in a directory of this test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAL_", "CELERY_", "EMAIL_"))}
    env.update(
        {
            "DATABASE_URL": database_url(),
            "PORTAL_VAR_DIR": str(tmp_path / "var"),
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the session cookie made here must open there
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        }
    )
    (tmp_path / "pid_wsgi.py").write_text(WSGI_WITH_PID)
    return env


@pytest.fixture
def server_caches(server_env) -> dict:
    """CACHES as the server's settings build them: this process then reads and drops the same keys."""
    code = "from django.conf import settings; import json; print(json.dumps(settings.CACHES))"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=server_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def gunicorn(server_env):
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "pid_wsgi", "-w", "2", "-b", "127.0.0.1:0", "--log-level", "info"],
        cwd=ROOT,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
    log, base, booted = [], "", 0
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and booted < 2:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        log.append(line)
        if match := re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", line):
            base = match.group(1)
        booted += "Booting worker" in line
    if not base or booted < 2:
        proc.kill()
        pytest.fail("gunicorn did not start:\n" + "".join(log))
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def answers_from_both_workers(url: str, cookie: dict) -> dict[str, set[int]]:
    """GET `url` in concurrent batches until both workers have answered; status codes by worker."""
    by_worker: dict[str, set[int]] = {}

    def get(_):
        response = requests.get(url, cookies=cookie, allow_redirects=False, timeout=30, headers={"Connection": "close"})
        return response.headers.get("X-Worker-Pid"), response.status_code

    deadline = time.monotonic() + WAIT_SECONDS
    with ThreadPoolExecutor(max_workers=6) as pool:
        while time.monotonic() < deadline:
            for pid, status in pool.map(get, range(12)):
                by_worker.setdefault(pid, set()).add(status)
            if len(by_worker) >= 2:
                return by_worker
    pytest.fail(f"only one worker answered: {by_worker}")


@pytest.mark.django_db(transaction=True)
def test_a_removed_role_is_refused_by_every_worker_at_once(settings, server_caches, gunicorn, user_factory, client):
    settings.CACHES = server_caches
    user = user_factory(roles=[Role.COE])
    client.force_login(user)
    cookie = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    queue_url = gunicorn + reverse("support:queue")

    # Both workers have served the COE member (and cached the roles, as every page does).
    before = answers_from_both_workers(queue_url, cookie)
    assert before == {pid: {200} for pid in before}, before

    user_roles_set(user=User.objects.get(pk=user.pk), roles=[], source="entra")

    after = answers_from_both_workers(queue_url, cookie)
    assert after == {pid: {403} for pid in after}, after
