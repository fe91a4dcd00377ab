# ruff: noqa: F811 - the fixtures imported from the fakes are re-bound by the test parameters using them
"""The beat's daily directory sync, run by a real Celery worker process (the embedded
filesystem broker, or Redis with REDIS_URL) against the local HTTPS fake of Graph: the worker
gets the fake's URLs and its CA through its environment, like a deployment gets its settings."""

import pytest
from celery.schedules import crontab
from django.conf import settings

from apps.accounts.models import DirectorySyncRun, User
from portal.celery import app
from tests.accounts.directory_fake import GROUP, directory, oid_of, populate  # noqa: F401 - a fixture
from tests.accounts.test_sso_fakes import CLIENT_ID, CLIENT_SECRET, TENANT, tls_material  # noqa: F401
from tests.notifications.workers import Worker, wait_until

BEAT_ENTRY = "accounts-directory-sync"


@pytest.fixture
def worker(directory, tls_material, tmp_path):
    started = Worker(
        mail_dir=tmp_path / "mail",
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
def test_the_beat_task_syncs_the_directory_in_a_real_worker(directory, worker):
    populate(directory, 50)

    app.send_task(beat_task())
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
    app.send_task(beat_task())
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
