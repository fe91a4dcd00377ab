"""Report selectors for support requests (read by apps.reports only).

Every function takes a period as inclusive dates in Japan time (`start`, `end`: requests
*made* in the period) and an optional list of department ids (None = every department),
and returns plain dicts from a fixed number of aggregate queries, whatever the data size.

Times in business days use the clock of `apps.core.business_days` (office days count
00:00–24:00 Japan time; weekends, national holidays and 29 Dec – 3 Jan do not count):
the office time from the request to its first response / its resolution. Time spent
waiting on the requester is included here (the elapsed time the department saw); the
target figures ("within target") compare with the stored due moments, which already
stop the clock while waiting.

Medians and 90th percentiles are computed the way PostgreSQL's `percentile_cont` does
(linear interpolation between the two nearest ranks):

- on PostgreSQL in one SQL statement: the calendar of cumulative office days is passed
  once as two arrays that each timestamp looks its day up in, so the database orders and
  interpolates the durations itself;
- on SQLite (the one-machine deployment) the three timestamp columns of the requests
  in the period are fetched in one `values_list` query, at most DURATION_ROW_CAP rows
  (the newest, flagged `capped`), and the same arithmetic runs in Python over those
  tuples; no model instance is built.
"""

import math
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Avg, Count, F, Max, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from apps.core.business_days import DAY_SECONDS, JAPAN, is_office_day
from apps.support.models import OPEN_STATUSES, Deflection, Kind, Status, SupportRequest

# For labelling the figures (apps.reports, with OPEN_STATUSES): (value, label) in display order.
KINDS = Kind.choices
STATUSES = Status.choices

# SQLite only: the most rows whose durations are fetched for the percentiles.
DURATION_ROW_CAP = 200_000
# Japan has had no daylight saving time since 1951: local time is UTC + 9 h.
JAPAN_OFFSET_SECONDS = 9 * 60 * 60
PERCENTILES = (0.5, 0.9)
EPOCH = date(1970, 1, 1)


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


class OfficeCalendar:
    """Cumulative office days from `base`: `before[i]` = office days in [base, base + i).
    The office time before a moment is then one lookup, in SQL or in Python."""

    def __init__(self, first: date, last: date) -> None:
        self.base = first
        self.before = [0]
        day = first
        while day <= last + timedelta(days=1):
            self.before.append(self.before[-1] + (1 if is_office_day(day) else 0))
            day += timedelta(days=1)

    @property
    def base_epoch_day(self) -> int:
        return (self.base - EPOCH).days

    def as_columns(self) -> tuple[list[int], list[int], list[int]]:
        """(day number since 1970, office days before it, 1 if an office day) per day."""
        n = len(self.before) - 1
        base = self.base_epoch_day
        return (
            [base + i for i in range(n)],
            self.before[:n],
            [self.before[i + 1] - self.before[i] for i in range(n)],
        )

    def office_seconds_before(self, moment: datetime) -> int | None:
        """Office seconds in [base 00:00, moment), Japan time; None outside the calendar
        (as the SQL join finds no day there)."""
        local = int(moment.timestamp()) + JAPAN_OFFSET_SECONDS
        day, seconds = divmod(local, DAY_SECONDS)
        i = day - self.base_epoch_day
        if not 0 <= i < len(self.before) - 1:
            return None
        return self.before[i] * DAY_SECONDS + (self.before[i + 1] - self.before[i]) * seconds


def percentile_cont(sorted_values: Sequence[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont: linear interpolation between the nearest ranks."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * (position - lower)


def _office_days(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 4)))


def response_times(*, start: date, end: date, department_ids: Sequence[int] | None = None) -> dict:
    """{first_response: {count, median, p90}, resolution: {count, median, p90}, capped}
    in office days (Decimal, 4 places), over requests made in the period that have had
    a first response / a resolution."""
    requests = (
        _requests(start, end, department_ids)
        .filter(Q(first_responded_at__isnull=False) | Q(resolved_at__isnull=False))
        .order_by()
    )
    calendar = OfficeCalendar(start - timedelta(days=1), max(end, timezone.localdate()) + timedelta(days=1))
    if connection.vendor == "postgresql":
        return _response_times_postgresql(requests, calendar)
    return _response_times_python(requests, calendar)


def _response_times_python(requests, calendar: OfficeCalendar) -> dict:
    rows = list(
        requests.order_by("-created_at").values_list("created_at", "first_responded_at", "resolved_at")[
            : DURATION_ROW_CAP + 1
        ]
    )
    capped = len(rows) > DURATION_ROW_CAP
    rows = rows[:DURATION_ROW_CAP]
    seconds = calendar.office_seconds_before
    first, resolution = [], []
    for created, responded, resolved in rows:
        origin = seconds(created)
        for moment, values in ((responded, first), (resolved, resolution)):
            office = seconds(moment) if moment is not None and origin is not None else None
            if office is not None:
                values.append((office - origin) / DAY_SECONDS)
    first.sort()
    resolution.sort()
    result: dict = {"capped": capped}
    for key, values in (("first_response", first), ("resolution", resolution)):
        median, p90 = (percentile_cont(values, q) for q in PERCENTILES)
        result[key] = {"count": len(values), "median": _office_days(median), "p90": _office_days(p90)}
    return result


def _response_times_postgresql(requests, calendar: OfficeCalendar) -> dict:
    result: dict = {"capped": False}
    empty = {"count": 0, "median": None, "p90": None}
    try:
        inner, params = requests.values("created_at", "first_responded_at", "resolved_at").query.sql_with_params()
    except EmptyResultSet:  # an empty list of departments
        return result | {"first_response": empty, "resolution": empty}
    # The calendar as two arrays indexed by day number (days since 1970 in Japan time, from
    # the calendar's first day): office days before the day, and 1 if it is an office day.
    # A moment's day is an array subscript; a day outside the calendar gives NULL, as
    # Python's office_seconds_before gives None. (Joining a calendar table instead made the
    # planner sort every request three times.) `x` is materialised so that each timestamp is
    # converted once, not once per use. Interpolated: constants and the ORM's own SQL only;
    # every value is a parameter.
    base = calendar.base_epoch_day - 1  # PostgreSQL arrays start at 1

    def office(column: str) -> str:
        day = f"x.{column} / {DAY_SECONDS} - {base}"
        return f"(b.before[{day}]::bigint * {DAY_SECONDS} + b.office[{day}] * MOD(x.{column}, {DAY_SECONDS}))"

    def local(column: str) -> str:
        # Whole seconds, truncated as Python's int(moment.timestamp()); float8 arithmetic,
        # several times faster here than EXTRACT's numeric.
        return f"floor(date_part('epoch', r.{column}))::bigint + {JAPAN_OFFSET_SECONDS}"

    sql = f"""
        WITH b AS (SELECT %s::int[] AS before, %s::int[] AS office),
        x AS MATERIALIZED (
            SELECT {local("created_at")} AS c, {local("first_responded_at")} AS f, {local("resolved_at")} AS z
            FROM ({inner}) r
        ),
        y AS (
            SELECT {office("c")} AS c_office, {office("f")} AS f_office, {office("z")} AS z_office FROM x, b
        )
        SELECT COUNT(f_office - c_office),
               percentile_cont(%s::float8[]) WITHIN GROUP (ORDER BY (f_office - c_office)::float8 / {DAY_SECONDS}),
               COUNT(z_office - c_office),
               percentile_cont(%s::float8[]) WITHIN GROUP (ORDER BY (z_office - c_office)::float8 / {DAY_SECONDS})
        FROM y
    """
    _days, before, office_day = calendar.as_columns()
    fractions = list(PERCENTILES)
    with connection.cursor() as cursor:
        cursor.execute(sql, [before, office_day, *params, fractions, fractions])
        fr_count, fr_values, res_count, res_values = cursor.fetchone()
    for key, count, values in (("first_response", fr_count, fr_values), ("resolution", res_count, res_values)):
        median, p90 = values if count else (None, None)
        result[key] = {"count": count, "median": _office_days(median), "p90": _office_days(p90)}
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
