"""Real Celery worker processes for tests, against the test database and whatever broker
the settings name (kombu's filesystem transport by default, Redis with REDIS_URL)."""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Worker:
    """`celery worker --pool=solo`: one process that runs the tasks itself, so SIGKILL of
    `proc` stops a task wherever it is."""

    def __init__(self, *, mail_dir: Path, purge: bool = True, env: dict[str, str] | None = None) -> None:
        command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=INFO"]
        command += ["--without-heartbeat", "--without-gossip", "--without-mingle"]
        if purge:
            # Drop what earlier tests left in a shared broker; a second worker of one test keeps
            # the first one's queue.
            command.append("--purge")
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": database_url(),
                "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": str(mail_dir),
                "PORTAL_VAR_DIR": str(settings.VAR_DIR),
                **(env or {}),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.log: list[str] = []
        # Read all along, so the worker never blocks on a full pipe and a failure can show its log.
        threading.Thread(target=self._read_output, daemon=True).start()
        deadline = time.monotonic() + WAIT_SECONDS
        while not any(" ready." in line for line in self.log):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail("worker did not start:\n" + "".join(self.log))
            time.sleep(0.05)

    def _read_output(self) -> None:
        for line in self.proc.stdout:
            self.log.append(line)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, no `finally`."""
        self.proc.kill()
        self.proc.wait(timeout=20)

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=20)


def wait_until(condition: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def mails(mail_dir: Path) -> list[EmailMessage]:
    """Every message the file backend wrote, complete ones only (a worker killed while
    writing can leave a file without its end marker)."""
    if not mail_dir.exists():
        return []
    separator = b"\n" + b"-" * 79 + b"\n"
    return [
        BytesParser(policy=policy.default).parsebytes(raw)
        for path in sorted(mail_dir.iterdir())
        for raw in path.read_bytes().split(separator)[:-1]
    ]


def mails_to(mail_dir: Path) -> list[str]:
    return [str(message["To"]) for message in mails(mail_dir)]
