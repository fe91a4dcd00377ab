"""Japanese office days (開庁日) and a business-day clock for targets and reports.

An office day is a weekday that is neither a national holiday (the `holidays` package's
Japan calendar: 振替休日 and 国民の休日 included, kept up to date by the package) nor in the
year-end closure 29 December – 3 January (年末年始休暇). Everything is counted in
Japan time (Asia/Tokyo), whatever the server's zone.

The clock, defined once and used by targets and reports alike:

- Office time is wall-clock time that falls on an office day: each office day counts
  fully, from 00:00 to 24:00 Japan time, and no other day counts at all. So one office
  day is worth 1.0, half of it 0.5; no office hours are modelled.
- `business_days_between(start, end, excluding=...)` is the office time in [start, end)
  minus the office time inside any excluded interval (e.g. while a request waited on
  its requester), in office days with two decimals.
- `add_business_days(start, n, excluding=...)` is a target's due moment: the end of the
  Nth office day after the day `start` falls on (23:59:59 Japan time), so the rest of
  the start day is a free grace period. Excluded intervals stop the clock: office time
  inside them is added back, so the due moment moves later by exactly the paused office
  time that fell before it. A pause after the due moment changes nothing (a target
  already missed stays missed).
"""

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

JAPAN = ZoneInfo("Asia/Tokyo")
DAY_SECONDS = 24 * 60 * 60
# 29 Dec – 3 Jan: the closure of Japanese local government offices, as (month, day).
YEAR_END_CLOSURE = frozenset({(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)})
# A walk never goes further than this many days (a safety net against a bad argument).
MAX_WALK_DAYS = 3 * 366

Interval = tuple[datetime, datetime]


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("JP", years=year).keys())


def is_office_day(day: date) -> bool:
    """True for a weekday that is not a Japanese national holiday nor 29 Dec – 3 Jan."""
    if isinstance(day, datetime):
        day = to_japan(day).date()
    if day.weekday() >= 5 or (day.month, day.day) in YEAR_END_CLOSURE:
        return False
    return day not in _national_holidays(day.year)


def next_office_day(day: date) -> date:
    """The first office day strictly after `day`."""
    day += timedelta(days=1)
    for _ in range(MAX_WALK_DAYS):
        if is_office_day(day):
            return day
        day += timedelta(days=1)
    raise ValueError("no office day within three years")  # pragma: no cover - holidays never last that long


def to_japan(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("business-day arithmetic needs aware datetimes")
    return moment.astimezone(JAPAN)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=JAPAN)


def _office_days(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Each office day's part of [start, end), as (from, to) in Japan time."""
    start, end = to_japan(start), to_japan(end)
    day = start.date()
    while _day_start(day) < end:
        if is_office_day(day):
            lo, hi = max(start, _day_start(day)), min(end, _day_start(day + timedelta(days=1)))
            if lo < hi:
                yield lo, hi
        day += timedelta(days=1)


def _clean(excluding: Iterable[Interval]) -> list[Interval]:
    """Excluded intervals sorted and merged, so overlapping pauses are not counted twice."""
    merged: list[list[datetime]] = []
    for lo, hi in sorted((to_japan(a), to_japan(b)) for a, b in excluding if a < b):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


def _minus(lo: datetime, hi: datetime, excluded: list[Interval]) -> Iterator[tuple[datetime, datetime]]:
    """[lo, hi) with the (sorted, merged) excluded intervals cut out."""
    for ex_lo, ex_hi in excluded:
        if ex_hi <= lo or ex_lo >= hi:
            continue
        if ex_lo > lo:
            yield lo, ex_lo
        lo = max(lo, ex_hi)
        if lo >= hi:
            return
    if lo < hi:
        yield lo, hi


def office_seconds_between(start: datetime, end: datetime, excluding: Iterable[Interval] = ()) -> int:
    """Whole seconds of office time in [start, end), excluded intervals left out."""
    if end <= start:
        return 0
    excluded = _clean(excluding)
    total = 0
    for lo, hi in _office_days(start, end):
        for a, b in _minus(lo, hi, excluded):
            total += int((b - a).total_seconds())
    return total


def business_days_between(start: datetime, end: datetime, excluding: Iterable[Interval] = ()) -> Decimal:
    """Office days elapsed in [start, end), fractional by time of day (00:00–24:00 Japan
    time on office days only), excluded intervals left out; two decimals, half up."""
    seconds = office_seconds_between(start, end, excluding)
    return (Decimal(seconds) / DAY_SECONDS).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def add_business_days(start: datetime, n: int, excluding: Iterable[Interval] = ()) -> datetime:
    """The end (23:59:59 Japan time) of the Nth office day after the day of `start`,
    moved later by the office time of the excluded intervals that fell before it.

    n = 0 means the end of the start day itself if it is an office day, otherwise the end
    of the next office day.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    start = to_japan(start)
    last = start.date()
    if n == 0 and not is_office_day(last):
        last = next_office_day(last)
    for _ in range(n):
        last = next_office_day(last)
    plain_end = _day_start(last + timedelta(days=1))
    excluded = _clean(excluding)
    if not excluded:
        return plain_end - timedelta(seconds=1)
    # The budget of office time the target allows, consumed while the clock runs.
    budget = office_seconds_between(start, plain_end) - 1
    cursor = start
    for _ in range(MAX_WALK_DAYS):
        day_end = _day_start(cursor.date() + timedelta(days=1))
        if is_office_day(cursor.date()):
            for a, b in _minus(cursor, day_end, excluded):
                length = int((b - a).total_seconds())
                if length >= budget:
                    return a + timedelta(seconds=budget)
                budget -= length
        cursor = day_end
    raise ValueError("the target is more than three years away")  # pragma: no cover


def office_days_after(start: datetime, n: int) -> date:
    """The date of the Nth office day after the day of `start` (n ≥ 1)."""
    return to_japan(add_business_days(start, n)).date()
