"""The business-day clock (apps.core.business_days) against dates worked out by hand.

Calendar used below (2026): 29 Apr (Wed) 昭和の日; 2 May Sat, 3 May Sun 憲法記念日, 4 May Mon
みどりの日, 5 May Tue こどもの日, 6 May Wed 振替休日 — so the office days around Golden Week are
27, 28, 30 Apr, 1 May, then 7, 8 May. Year end 2025: 26 Dec is a Friday, 27–28 Dec a weekend,
29 Dec – 3 Jan the closure (1 Jan 元日 too), 4 Jan 2026 a Sunday: the next office day is Mon 5 Jan.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from apps.core.business_days import (
    JAPAN,
    add_business_days,
    business_days_between,
    is_office_day,
    next_office_day,
    office_seconds_between,
)


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JAPAN)


def end_of(day: date) -> datetime:
    return jst(day.year, day.month, day.day, 23, 59, 59)


@pytest.mark.parametrize(
    ("day", "office"),
    [
        (date(2026, 4, 28), True),  # Tue
        (date(2026, 4, 29), False),  # 昭和の日
        (date(2026, 4, 30), True),
        (date(2026, 5, 1), True),  # Fri
        (date(2026, 5, 2), False),  # Sat
        (date(2026, 5, 3), False),  # Sun, 憲法記念日
        (date(2026, 5, 4), False),  # みどりの日
        (date(2026, 5, 5), False),  # こどもの日
        (date(2026, 5, 6), False),  # 振替休日 (for 3 May falling on a Sunday)
        (date(2026, 5, 7), True),
        (date(2025, 12, 26), True),  # Fri before the closure
        (date(2025, 12, 29), False),  # Mon, closure
        (date(2025, 12, 30), False),
        (date(2025, 12, 31), False),
        (date(2026, 1, 1), False),  # 元日
        (date(2026, 1, 2), False),  # Fri, closure
        (date(2026, 1, 5), True),  # Mon: work starts again (仕事始め)
        (date(2026, 1, 12), False),  # 成人の日
        (date(2026, 9, 22), False),  # 国民の休日 between 敬老の日 and 秋分の日
    ],
)
def test_office_days(day, office):
    assert is_office_day(day) is office


def test_next_office_day_skips_golden_week_and_the_year_end():
    assert next_office_day(date(2026, 5, 1)) == date(2026, 5, 7)
    assert next_office_day(date(2025, 12, 26)) == date(2026, 1, 5)


def test_due_at_the_end_of_the_nth_office_day_across_golden_week():
    # Tue 28 Apr 10:00 + 3 office days: 30 Apr (1), 1 May (2), 7 May (3).
    assert add_business_days(jst(2026, 4, 28, 10), 3) == end_of(date(2026, 5, 7))
    # Asked on the holiday itself: 30 Apr (1), 1 May (2).
    assert add_business_days(jst(2026, 4, 29, 15), 2) == end_of(date(2026, 5, 1))
    # Asked on Saturday 2 May: the first office day after it is 7 May.
    assert add_business_days(jst(2026, 5, 2, 11), 1) == end_of(date(2026, 5, 7))
    # Friday 1 May 17:00 + 1: the end of Thursday 7 May, not of Monday 4 May.
    assert add_business_days(jst(2026, 5, 1, 17), 1) == end_of(date(2026, 5, 7))


def test_due_across_the_new_year_closure():
    # Fri 26 Dec 2025 15:00 + 2 office days: Mon 5 Jan (1), Tue 6 Jan (2).
    assert add_business_days(jst(2025, 12, 26, 15), 2) == end_of(date(2026, 1, 6))
    # Asked during the closure (30 Dec) + 1: Mon 5 Jan.
    assert add_business_days(jst(2025, 12, 30, 9), 1) == end_of(date(2026, 1, 5))


def test_n_zero_is_the_end_of_the_current_office_day():
    assert add_business_days(jst(2026, 4, 28, 10), 0) == end_of(date(2026, 4, 28))
    assert add_business_days(jst(2026, 5, 3, 10), 0) == end_of(date(2026, 5, 7))


def test_utc_input_is_counted_in_japan_time():
    # 2026-04-28 16:00 UTC is already Wed 29 Apr 01:00 in Japan (a holiday): day 1 is 30 Apr.
    from datetime import UTC

    assert add_business_days(datetime(2026, 4, 28, 16, tzinfo=UTC), 1) == end_of(date(2026, 4, 30))


def test_a_waiting_period_stops_the_clock():
    start = jst(2026, 4, 27, 9)  # Mon
    # Without a pause, 5 office days: 28 Apr, 30 Apr, 1 May, 7 May, 8 May.
    assert add_business_days(start, 5) == end_of(date(2026, 5, 8))
    # Waiting from Thu 30 Apr 12:00 to Fri 8 May 12:00 takes 3.0 office days out of the
    # count (30 Apr 12–24h, 1 May, 7 May, 8 May 0–12h), so the due moves 3 office days on:
    # 11, 12, 13 May.
    pause = [(jst(2026, 4, 30, 12), jst(2026, 5, 8, 12))]
    assert add_business_days(start, 5, pause) == end_of(date(2026, 5, 13))
    # The active office time up to that due moment is exactly the 5 days plus the rest of Monday.
    assert office_seconds_between(start, jst(2026, 5, 14), pause) == (15 + 5 * 24) * 3600
    assert business_days_between(start, jst(2026, 5, 14), pause) == Decimal("5.63")  # 135 h / 24 h


def test_a_pause_after_the_due_moment_changes_nothing():
    start = jst(2026, 4, 27, 9)
    late_pause = [(jst(2026, 5, 11, 9), jst(2026, 5, 20, 9))]
    assert add_business_days(start, 5, late_pause) == end_of(date(2026, 5, 8))


def test_a_pause_on_days_off_changes_nothing():
    start = jst(2026, 4, 27, 9)
    golden_week_pause = [(jst(2026, 5, 2, 0), jst(2026, 5, 7, 0))]
    assert add_business_days(start, 5, golden_week_pause) == end_of(date(2026, 5, 8))


def test_overlapping_pauses_count_once():
    start = jst(2026, 4, 27, 9)
    pauses = [(jst(2026, 4, 28, 0), jst(2026, 4, 28, 12)), (jst(2026, 4, 28, 6), jst(2026, 4, 29, 0))]
    # One office day (28 Apr) paused in total: due moves from 8 May to 11 May.
    assert add_business_days(start, 5, pauses) == end_of(date(2026, 5, 11))


def test_business_days_between_by_hand():
    # Fri 1 May 12:00 → Thu 7 May 12:00: half of 1 May and half of 7 May.
    assert business_days_between(jst(2026, 5, 1, 12), jst(2026, 5, 7, 12)) == Decimal("1.00")
    # Across the year end: Fri 26 Dec 18:00 → Mon 5 Jan 06:00 = 6 h + 6 h.
    assert business_days_between(jst(2025, 12, 26, 18), jst(2026, 1, 5, 6)) == Decimal("0.50")
    # A waiting period inside it removes its office time: Mon 27 Apr 0:00 → Fri 1 May 24:00
    # is 4 office days (27, 28, 30 Apr, 1 May); waiting all of 30 Apr leaves 3.
    assert business_days_between(jst(2026, 4, 27), jst(2026, 5, 2)) == Decimal("4.00")
    waiting = [(jst(2026, 4, 30), jst(2026, 5, 1))]
    assert business_days_between(jst(2026, 4, 27), jst(2026, 5, 2), waiting) == Decimal("3.00")
    assert business_days_between(jst(2026, 5, 2), jst(2026, 4, 27)) == Decimal("0.00")


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_business_days(datetime(2026, 4, 28, 10), 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError):
        add_business_days(jst(2026, 4, 28, 10), -1)


def test_each_target_length_lands_on_an_office_day():
    start = jst(2026, 4, 24, 16)
    for n in range(1, 25):
        due = add_business_days(start, n)
        assert is_office_day(due.date())
        assert due.time().isoformat() == "23:59:59"
        assert due - timedelta(seconds=1) < add_business_days(start, n + 1)
