"""Report selectors for support requests (read by apps.reports only).

Every function takes a period as inclusive dates in Japan time (`start`, `end`: requests
*made* in the period) and an optional list of department ids (None = every department),
and returns plain dicts from a fixed number of aggregate queries, whatever the data size.

Times in business days are the office time (apps.core.business_days: 00:00–24:00 Japan
time; weekends, national holidays and 29 Dec – 3 Jan do not count) from the request to its
first response / its resolution, which the request stores beside those moments (its
save()). Time spent waiting on the requester is included here (the elapsed time the
department saw); the target figures ("within target") compare with the stored due
moments, which already stop the clock while waiting.

Medians and 90th percentiles are PostgreSQL's `percentile_cont` (linear interpolation
between the two nearest ranks): on PostgreSQL the PercentileCont aggregate; on SQLite,
which has none, the stored durations of the period's requests (at most DURATION_ROW_CAP,
the newest, flagged `capped`) are fetched in one `values_list` query and interpolated the
same way in Python.
"""

import math
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Aggregate, Avg, Count, F, FloatField, Max, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from apps.core.business_days import DAY_SECONDS, JAPAN
from apps.support.models import OPEN_STATUSES, Deflection, Kind, Status, SupportRequest

# For labelling the figures (apps.reports, with OPEN_STATUSES): (value, label) in display order.
KINDS = Kind.choices
STATUSES = Status.choices

# SQLite only: the most rows whose durations are fetched for the percentiles.
DURATION_ROW_CAP = 200_000
PERCENTILES = (0.5, 0.9)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end + 1 day 00:00) in Japan time (settings.TIME_ZONE)."""
    zone = timezone.get_default_timezone()
    return (
        datetime.combine(start, time(0), tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone),
    )


def _requests(start: date, end: date, department_ids: Sequence[int] | None):
    lo, hi = _bounds(start, end)
    requests = SupportRequest.objects.filter(created_at__gte=lo, created_at__lt=hi)
    if department_ids is not None:
        requests = requests.filter(department_id__in=department_ids)
    return requests


# --- volume ------------------------------------------------------------------------------------


def request_volume(*, start: date, end: date, department_ids: Sequence[int] | None = None) -> dict:
    """Requests made in the period, counted four ways:

    {"by_kind": [{kind, requests}], "by_department": [{department_id, requests, open}],
     "by_month": [{month (first day, Japan time), requests}], "by_status": [{status, requests}]}

    `open`: still new, triaged, in progress or waiting; `by_status`: where the requests
    stand now. Four aggregate queries."""
    requests = _requests(start, end, department_ids).order_by()
    return {
        "by_kind": list(requests.values("kind").annotate(requests=Count("id")).order_by("kind")),
        "by_department": list(
            requests.values("department_id")
            .annotate(requests=Count("id"), open=Count("id", filter=Q(status__in=OPEN_STATUSES)))
            .order_by("department_id")
        ),
        "by_month": [
            {"month": _as_date(r["month"]), "requests": r["requests"]}
            for r in requests.annotate(month=TruncMonth("created_at", tzinfo=JAPAN))
            .values("month")
            .annotate(requests=Count("id"))
            .order_by("month")
        ],
        "by_status": list(requests.values("status").annotate(requests=Count("id")).order_by("status")),
    }


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.astimezone(JAPAN).date() if timezone.is_aware(value) else value.date()
    return value


# --- targets, satisfaction -----------------------------------------------------------------------


def target_and_rating_totals(
    *, start: date, end: date, department_ids: Sequence[int] | None = None, now: datetime | None = None
) -> dict:
    """Counts for the target compliance and the satisfaction average, in one query.

    A first-response target is *decided* once the COE responded, or once its due moment
    passed without a response (a request cancelled before any response is left out);
    it is *met* when the response came no later than the due moment. Likewise a
    resolution target: decided when resolved, or when overdue and still open; cancelled
    requests are left out."""
    now = now or timezone.now()
    responded = Q(first_responded_at__isnull=False)
    resolved = Q(resolved_at__isnull=False)
    fr_due = Q(first_response_due_at__isnull=False)
    res_due = Q(resolution_due_at__isnull=False)
    # Counting created_at (never null), not id: every column read is then in the
    # support_report_period index, which PostgreSQL answers from alone.
    n = "created_at"
    return _requests(start, end, department_ids).aggregate(
        requests=Count(n),
        responded=Count(n, filter=responded),
        resolved=Count(n, filter=resolved),
        first_response_decided=Count(
            n,
            filter=fr_due & (responded | (Q(first_response_due_at__lt=now) & ~Q(status=Status.CANCELLED))),
        ),
        first_response_met=Count(n, filter=fr_due & responded & Q(first_responded_at__lte=F("first_response_due_at"))),
        resolution_decided=Count(
            n,
            filter=res_due
            & ~Q(status=Status.CANCELLED)
            & (resolved | (Q(resolution_due_at__lt=now) & Q(status__in=OPEN_STATUSES))),
        ),
        resolution_met=Count(
            n,
            filter=res_due & resolved & ~Q(status=Status.CANCELLED) & Q(resolved_at__lte=F("resolution_due_at")),
        ),
        ratings=Count("rating"),
        rating_average=Avg("rating"),
    )


# --- durations in business days -------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: the value at `fraction` of the ordered non-null
    values, interpolated linearly between the two nearest."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile_cont(sorted_values: Sequence[float], fraction: float) -> float | None:
    """The same as PercentileCont, over a sorted list (SQLite has no such aggregate)."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * (position - lower)


def _office_days(seconds: float | None) -> Decimal | None:
    return None if seconds is None else Decimal(str(round(seconds / DAY_SECONDS, 4)))


def response_times(*, start: date, end: date, department_ids: Sequence[int] | None = None) -> dict:
    """{first_response: {count, median, p90}, resolution: {count, median, p90}, capped}
    in office days (Decimal, 4 places), over requests made in the period that have had
    a first response / a resolution."""
    requests = _requests(start, end, department_ids).order_by()
    columns = {"first_response": "first_response_office_seconds", "resolution": "resolution_office_seconds"}
    result: dict = {"capped": False}
    if connection.vendor == "postgresql":
        aggregates = {}
        for key, column in columns.items():
            aggregates[f"{key}_count"] = Count(column)
            aggregates |= {f"{key}_{q}": PercentileCont(column, q) for q in PERCENTILES}
        row = requests.aggregate(**aggregates)
        for key in columns:
            result[key] = {"count": row[f"{key}_count"]} | {
                name: _office_days(row[f"{key}_{q}"]) for name, q in zip(("median", "p90"), PERCENTILES, strict=True)
            }
        return result
    rows = list(
        requests.filter(Q(first_response_office_seconds__isnull=False) | Q(resolution_office_seconds__isnull=False))
        .order_by("-created_at")
        .values_list(*columns.values())[: DURATION_ROW_CAP + 1]
    )
    result["capped"] = len(rows) > DURATION_ROW_CAP
    for i, key in enumerate(columns):
        values = sorted(row[i] for row in rows[:DURATION_ROW_CAP] if row[i] is not None)
        median, p90 = (percentile_cont(values, q) for q in PERCENTILES)
        result[key] = {"count": len(values), "median": _office_days(median), "p90": _office_days(p90)}
    return result


# --- deflections -------------------------------------------------------------------------------


def _deflections(start: date, end: date, department_ids: Sequence[int] | None):
    lo, hi = _bounds(start, end)
    deflections = Deflection.objects.filter(created_at__gte=lo, created_at__lt=hi)
    if department_ids is not None:
        deflections = deflections.filter(department_id__in=department_ids)
    return deflections


def deflections_by_target(*, start: date, end: date, department_ids: Sequence[int] | None = None) -> list[dict]:
    """[{target_type, deflections}]: questions answered by an article or a case before asking."""
    return list(
        _deflections(start, end, department_ids)
        .values("target_type")
        .annotate(deflections=Count("id"))
        .order_by("target_type")
    )


def deflections_top(
    *, start: date, end: date, department_ids: Sequence[int] | None = None, limit: int = 10
) -> list[dict]:
    """[{target_type, object_id, title, deflections}]: what answered most questions."""
    return list(
        _deflections(start, end, department_ids)
        .values("target_type", "object_id")
        .annotate(title=Max("title"), deflections=Count("id"))
        .order_by("-deflections", "target_type", "object_id")[:limit]
    )
