# ruff: noqa: F811 - the fixtures imported from the fakes are re-bound by the test parameters using them
"""Two directory syncs at once — the beat's and an administrator's "sync now", or two workers
given the same task — each on its own database connection (threads of this process, real
connections; CI runs the suite on SQLite and on PostgreSQL). One run at a time: the second
is refused while the first holds the lock, and every change lands exactly once."""

import threading
import time

import pytest
from django.db import connection

from apps.accounts import directory as sync
from apps.accounts.models import DepartmentMembership, DirectoryChange, DirectorySyncRun, User
from apps.core.models import AuditEntry
from tests.accounts.directory_fake import directory, oid_of, populate  # noqa: F401 - a fixture
from tests.accounts.test_sso_fakes import tls_material  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(condition, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def start(results: dict, name: str, barrier: threading.Barrier | None = None) -> threading.Thread:
    def target() -> None:
        try:
            if barrier is not None:
                barrier.wait(10)
            results[name] = sync.directory_sync_run(trigger="schedule" if name == "first" else "admin")
        except sync.SyncRefused as refused:
            results[name] = refused
        except Exception as exc:  # reported by the test below
            results[name] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=target, name=name)
    thread.start()
    return thread


def test_a_second_run_while_the_first_is_fetching_is_refused(directory):
    populate(directory, 300)
    directory.hold()  # the first run's first Graph request waits
    results: dict = {}
    first = start(results, "first")
    wait_until(directory.held.is_set, "the first run to be fetching")

    second = start(results, "second")
    second.join(30)
    directory.release()
    first.join(120)

    assert isinstance(results["second"], sync.SyncRefused), results
    assert isinstance(results["first"], DirectorySyncRun), results
    assert results["second"].running.pk == results["first"].pk
    assert results["first"].counts == {"joined": 300, "dept_created": 10}
    assert User.objects.count() == 300
    assert DirectoryChange.objects.filter(kind="joined").count() == 300
    assert AuditEntry.objects.filter(action="directory.joined").count() == 300
    assert DepartmentMembership.objects.count() == 300
    assert DirectorySyncRun.objects.count() == 1 and DirectorySyncRun.objects.get().lock is None


def test_two_runs_started_together_apply_each_change_once(directory):
    populate(directory, 100)
    sync.directory_sync_run()
    directory.update(oid_of(5), department="防災課")
    directory.update(oid_of(6), accountEnabled=False)
    directory.add(oid_of(500), displayName="新任 職員", department="防災課", userPrincipalName="new@city.example.jp")

    for _round in range(3):  # the same changes, offered to two runs at once, three times over
        results: dict = {}
        barrier = threading.Barrier(2)
        threads = [start(results, "first", barrier), start(results, "second", barrier)]
        for thread in threads:
            thread.join(120)
        assert all(isinstance(r, DirectorySyncRun | sync.SyncRefused) for r in results.values()), results

    assert DirectoryChange.objects.filter(kind="transferred").count() == 1
    assert DirectoryChange.objects.filter(kind="left").count() == 1
    assert DirectoryChange.objects.filter(kind="joined").count() == 101
    assert User.objects.count() == 101 and User.objects.filter(is_active=False).count() == 1
    moved = User.objects.get(socialaccount__uid=oid_of(5))
    assert DepartmentMembership.objects.filter(user=moved).count() == 2
    assert AuditEntry.objects.filter(action="directory.user_left").count() == 1
    assert not DirectorySyncRun.objects.filter(lock__isnull=False).exists()
