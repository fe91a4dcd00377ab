"""On PostgreSQL the sections of a report are built at once on separate connections: the
figures must be exactly those of building them one after another, in the user's language,
and no connection may be left open by the pool threads."""

import threading
import time

import pytest
from django.db import connection
from django.utils import translation

from apps.reports import figures
from tests.reports.city import make_city
from tests.reports.helpers import build


def _database_now():
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def _connections_opened_since(moment) -> int:
    """Other sessions on this database that began after `moment`. A backend whose client has
    closed the connection ends a moment later, asynchronously: wait (up to 10 s) for it."""
    deadline = time.monotonic() + 10
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_start >= %s",
                [moment],
            )
            count = cursor.fetchone()[0]
        if count == 0 or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def _rows(report) -> list:
    return [(s.key, t.key, t.columns, t.rows) for s in report.sections for t in s.all_tables]


@pytest.mark.django_db(transaction=True)
def test_sections_built_at_once_give_the_same_figures(settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("sections are built at once on PostgreSQL only")
    make_city()
    threads: set[str] = set()
    for key, builder in list(figures.BUILDERS.items()):

        def recording(scope, builder=builder):
            threads.add(threading.current_thread().name)
            return builder(scope)

        monkeypatch.setitem(figures.BUILDERS, key, recording)

    started = _database_now()
    with translation.override("en"):
        settings.REPORTS_PARALLEL_SECTIONS = 1
        one_by_one = build(compare=True)
        assert threads == {threading.current_thread().name}
        threads.clear()
        settings.REPORTS_PARALLEL_SECTIONS = 4
        at_once = build(compare=True)

    assert threads and all(name.startswith("report-section") for name in threads)
    assert _rows(at_once) == _rows(one_by_one)
    assert at_once.section("ideas").summary.rows[0][0] == "Ideas submitted"  # the caller's language
    assert _connections_opened_since(started) == 0
