"""Migration support/0003 stores each request's office time to its first response and to its
resolution (issue #15: the percentiles became an ORM aggregate over stored numbers). On a
database that already has answered, resolved and unanswered requests, the migration fills
the durations of the old rows, so the report's response times are what they were."""

from datetime import date, datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.core.business_days import JAPAN
from apps.support import reporting
from apps.support.models import SupportRequest
from tests.support.factories import SupportRequestFactory

pytestmark = pytest.mark.django_db(transaction=True)


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JAPAN)


def _migrate(target: list[tuple[str, str]] | None = None) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(target or executor.loader.graph.leaf_nodes())


def test_old_requests_get_their_office_durations_and_the_same_figures():
    # Friday 12 July 2024 15:00, then a weekend and 海の日 (Monday 15 July).
    asked = jst(2024, 7, 12, 15)
    answered = SupportRequestFactory(
        created_at=asked, first_responded_at=jst(2024, 7, 16, 9), resolved_at=jst(2024, 7, 17, 15), status="resolved"
    )
    waiting = SupportRequestFactory(created_at=asked, first_responded_at=jst(2024, 7, 12, 18), status="in_progress")
    unanswered = SupportRequestFactory(created_at=asked, status="new")
    july = {"start": date(2024, 7, 1), "end": date(2024, 7, 31)}
    before = reporting.response_times(**july)

    try:
        _migrate([("support", "0002_report_indexes")])
        with connection.cursor() as cursor:
            columns = [c.name for c in connection.introspection.get_table_description(cursor, "support_supportrequest")]
        assert "first_response_office_seconds" not in columns
    finally:
        _migrate()

    hours = 60 * 60
    stored = dict(
        SupportRequest.objects.values_list("pk", "first_response_office_seconds").filter(
            pk__in=[answered.pk, waiting.pk, unanswered.pk]
        )
    )
    assert stored == {answered.pk: 18 * hours, waiting.pk: 3 * hours, unanswered.pk: None}
    resolution = SupportRequest.objects.get(pk=answered.pk).resolution_office_seconds
    assert resolution == 48 * hours
    after = reporting.response_times(**july)
    assert after == before
    # 0.125 and 0.75 office days: median halfway, 90th percentile 0.125 + 0.9 × 0.625.
    assert after["first_response"] == {"count": 2, "median": D("0.4375"), "p90": D("0.6875")}
