"""The business-day clock (apps.core.business_days) against dates worked out by hand.

Calendar used below (2026): 29 Apr (Wed) 昭和の日; 2 May Sat, 3 May Sun 憲法記念日, 4 May Mon
みどりの日, 5 May Tue こどもの日, 6 May Wed 振替休日 — so the office days around Golden Week are
27, 28, 30 Apr, 1 May, then 7, 8 May. Year end 2025: 26 Dec is a Friday, 27–28 Dec a weekend,
29 Dec – 3 Jan the closure (1 Jan 元日 too), 4 Jan 2026 a Sunday: the next office day is Mon 5 Jan.

In 2026 the closure ends on a Saturday, so the weekend alone would already close 3 January. The
years below make the closure matter by itself:

- 2024/25: Fri 27 Dec 2024 is the last office day; 28–29 Dec a weekend; Mon 30, Tue 31 Dec
  closure (no holiday); Wed 1 Jan 元日; Thu 2, **Fri 3 Jan** closure (weekdays, no holiday);
  4–5 Jan a weekend: the first office day is Mon 6 Jan 2025. Mon 13 Jan 2025 成人の日.
- 2028/29: Thu 28 Dec 2028 is the last office day; **Fri 29 Dec** closure; 30–31 Dec a weekend;
  Mon 1 Jan 元日; Tue 2, **Wed 3 Jan** closure: the first office day is Thu 4 Jan 2029.
  6–7 Jan a weekend, Mon 8 Jan 2029 成人の日.

Golden Week in other years:

- 2029: Sun 29 Apr 昭和の日 → Mon 30 Apr 振替休日; Tue 1, Wed 2 May office days; Thu 3 May
  憲法記念日, Fri 4 May みどりの日, Sat 5 May こどもの日 (on a Saturday: no substitute day),
  Sun 6 May: the next office day is Mon 7 May.
- 2025: Sat 3 May 憲法記念日, Sun 4 May みどりの日, Mon 5 May こどもの日, Tue 6 May 振替休日 (for
  the Sunday): Fri 2 May is followed by Wed 7 May.

Other substitute holidays (振替休日): Mon 24 Nov 2025 (勤労感謝の日 on Sun 23 Nov), Mon 12 Feb 2024
(建国記念の日 on Sun 11 Feb).
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import holidays
import pytest

from apps.core.business_days import (
    JAPAN,
    add_business_days,
    business_days_between,
    is_office_day,
    next_office_day,
    office_days_after,
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
        # The closure on weekdays that are not holidays (see the module docstring).
        (date(2024, 12, 27), True),  # Fri, the last office day of 2024
        (date(2024, 12, 30), False),  # Mon, closure
        (date(2024, 12, 31), False),  # Tue, closure
        (date(2025, 1, 2), False),  # Thu, closure
        (date(2025, 1, 3), False),  # Fri, closure only
        (date(2025, 1, 6), True),  # Mon, 仕事始め
        (date(2028, 12, 28), True),  # Thu, the last office day of 2028
        (date(2028, 12, 29), False),  # Fri, closure only
        (date(2029, 1, 3), False),  # Wed, closure only
        (date(2029, 1, 4), True),  # Thu, 仕事始め
        # 振替休日, and a holiday on a Saturday that has none.
        (date(2029, 4, 30), False),  # Mon, for 昭和の日 on Sun 29 Apr
        (date(2029, 5, 7), True),  # Mon: こどもの日 fell on Sat 5 May, no substitute
        (date(2025, 5, 6), False),  # Tue, for みどりの日 on Sun 4 May
        (date(2025, 11, 24), False),  # Mon, for 勤労感謝の日 on Sun 23 Nov
        (date(2024, 2, 12), False),  # Mon, for 建国記念の日 on Sun 11 Feb
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
    # A moment without a zone could be Japan's or the server's: refused, saying why (a
    # programmer's error, so the message is for the programmer, in English).
    with pytest.raises(ValueError, match=r"^business-day arithmetic needs aware datetimes$"):
        add_business_days(datetime(2026, 4, 28, 10), 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match=r"^business-day arithmetic needs aware datetimes$"):
        is_office_day(datetime(2026, 4, 28, 10))  # noqa: DTZ001 - the point of the test
    # A target cannot lie before the request.
    with pytest.raises(ValueError, match=r"^n must not be negative$"):
        add_business_days(jst(2026, 4, 28, 10), -1)


def test_each_target_length_lands_on_an_office_day():
    start = jst(2026, 4, 24, 16)
    for n in range(1, 25):
        due = add_business_days(start, n)
        assert is_office_day(due.date())
        assert due.time().isoformat() == "23:59:59"
        assert due - timedelta(seconds=1) < add_business_days(start, n + 1)


def test_the_weekday_closure_days_are_no_national_holidays():
    # So only the closure rule can make them days off: the cases above really test it.
    national = holidays.country_holidays("JP", years=[2024, 2025, 2028, 2029])
    for day in (date(2024, 12, 30), date(2024, 12, 31), date(2025, 1, 2), date(2025, 1, 3)):
        assert day not in national and day.weekday() < 5 and not is_office_day(day)
    for day in (date(2028, 12, 29), date(2029, 1, 2), date(2029, 1, 3)):
        assert day not in national and day.weekday() < 5 and not is_office_day(day)


def test_due_across_a_year_end_whose_3_january_is_a_weekday():
    # Fri 27 Dec 2024 15:00 + 1: 30 Dec – 3 Jan are closed weekdays, 4–5 Jan a weekend: Mon 6 Jan.
    assert add_business_days(jst(2024, 12, 27, 15), 1) == end_of(date(2025, 1, 6))
    assert next_office_day(date(2024, 12, 27)) == date(2025, 1, 6)
    # Thu 28 Dec 2028 10:00 + 1: Fri 29 Dec closed, weekend, 元日, Tue 2 and Wed 3 Jan closed: Thu 4 Jan.
    assert add_business_days(jst(2028, 12, 28, 10), 1) == end_of(date(2029, 1, 4))
    # + 3: Thu 4 (1), Fri 5 (2), [Sat 6, Sun 7, Mon 8 成人の日], Tue 9 Jan (3).
    assert add_business_days(jst(2028, 12, 28, 10), 3) == end_of(date(2029, 1, 9))
    # Asked on Wed 3 Jan 2029 (closed): the first office day after it, and the current one, is Thu 4 Jan.
    assert add_business_days(jst(2029, 1, 3, 10), 1) == end_of(date(2029, 1, 4))
    assert add_business_days(jst(2029, 1, 3, 10), 0) == end_of(date(2029, 1, 4))
    assert office_days_after(jst(2028, 12, 28, 10), 3) == date(2029, 1, 9)
    assert office_days_after(jst(2024, 12, 27, 15), 1) == date(2025, 1, 6)


def test_a_long_target_across_the_year_end_and_成人の日():
    # Mon 22 Dec 2025 + 10: 23 (1), 24 (2), 25 (3), 26 Dec (4), [27 Dec – 4 Jan closed],
    # 5 (5), 6 (6), 7 (7), 8 (8), 9 Jan (9), [10–11 weekend, Mon 12 Jan 成人の日], Tue 13 Jan (10).
    assert add_business_days(jst(2025, 12, 22, 10), 10) == end_of(date(2026, 1, 13))
    # Fri 27 Dec 2024 + 10: 6, 7, 8, 9, 10 Jan (5), [11–12 weekend, 13 成人の日], 14, 15, 16, 17 (9), 20 Jan (10).
    assert add_business_days(jst(2024, 12, 27, 10), 10) == end_of(date(2025, 1, 20))


def test_closure_time_counts_nothing_in_elapsed_office_days():
    # Fri 27 Dec 2024 12:00 → Mon 6 Jan 2025 12:00: half of each office day, nothing in between.
    assert business_days_between(jst(2024, 12, 27, 12), jst(2025, 1, 6, 12)) == Decimal("1.00")
    # All of Fri 3 Jan 2025 (a weekday, closed) is worth nothing.
    assert office_seconds_between(jst(2025, 1, 3), jst(2025, 1, 4)) == 0


def test_golden_week_across_a_weekend_in_2029_and_2025():
    # Fri 27 Apr 2029 12:00 + 1: [Sat 28, Sun 29, Mon 30 振替休日], Tue 1 May.
    assert add_business_days(jst(2029, 4, 27, 12), 1) == end_of(date(2029, 5, 1))
    # + 3: Tue 1 (1), Wed 2 (2), [Thu 3 – Sun 6], Mon 7 May (3): a Saturday holiday moves nothing.
    assert add_business_days(jst(2029, 4, 27, 12), 3) == end_of(date(2029, 5, 7))
    # Fri 2 May 2025 + 1: [Sat 3 – Tue 6 振替休日], Wed 7 May.
    assert add_business_days(jst(2025, 5, 2, 12), 1) == end_of(date(2025, 5, 7))


def test_the_last_second_of_a_day_in_japan_time():
    # Thu 30 Apr 2026 23:59:59 is still Thursday: day 1 is Fri 1 May.
    assert add_business_days(jst(2026, 4, 30, 23, 59, 59), 1) == end_of(date(2026, 5, 1))
    # One second later it is Friday: day 1 is Thu 7 May (after Golden Week).
    assert add_business_days(jst(2026, 5, 1, 0, 0, 0), 1) == end_of(date(2026, 5, 7))
    # The same two moments in UTC (14:59:59 and 15:00:00 on 30 Apr): the day is Japan's, not UTC's.
    assert add_business_days(datetime(2026, 4, 30, 14, 59, 59, tzinfo=UTC), 1) == end_of(date(2026, 5, 1))
    assert add_business_days(datetime(2026, 4, 30, 15, 0, 0, tzinfo=UTC), 1) == end_of(date(2026, 5, 7))
    # Fri 1 May 15:00 UTC is already Sat 2 May in Japan: a day off.
    assert is_office_day(datetime(2026, 5, 1, 14, 59, 59, tzinfo=UTC)) is True
    assert is_office_day(datetime(2026, 5, 1, 15, 0, 0, tzinfo=UTC)) is False
    # The last second of Fri 1 May is one second of office time; Golden Week adds none.
    assert office_seconds_between(jst(2026, 5, 1, 23, 59, 59), jst(2026, 5, 7)) == 1
    # Asked in the last second of the last office day of 2024, due "today" is that very second.
    assert add_business_days(jst(2024, 12, 27, 23, 59, 59), 0) == end_of(date(2024, 12, 27))
    assert add_business_days(jst(2024, 12, 28, 0, 0, 0), 0) == end_of(date(2025, 1, 6))


def test_the_servers_own_time_zone_does_not_matter(settings):
    # Japan time "whatever the server's zone": Django sets the process zone from TIME_ZONE.
    settings.TIME_ZONE = "UTC"
    assert add_business_days(datetime(2026, 4, 30, 15, 0, 0, tzinfo=UTC), 1) == end_of(date(2026, 5, 7))
    # 30 Apr 15:00 UTC → 7 May 03:00 UTC is Fri 1 May 00:00 → Thu 7 May 12:00 in Japan: all of
    # 1 May and half of 7 May (Golden Week between).
    elapsed = business_days_between(datetime(2026, 4, 30, 15, tzinfo=UTC), datetime(2026, 5, 7, 3, tzinfo=UTC))
    assert elapsed == Decimal("1.50")


def test_no_time_elapsed_is_no_office_time():
    # A request answered in the second it was asked (or a reversed interval) took no office time.
    moment = jst(2026, 4, 28, 10)
    assert office_seconds_between(moment, moment) == 0
    assert office_seconds_between(moment + timedelta(hours=1), moment) == 0


def test_two_waiting_periods_both_stop_the_clock():
    # Mon 11 May 2026 09:00 + 5: 12, 13, 14, 15, 18 May. The COE asked twice: Tue 12 May 10–12 h
    # and Wed 13 May 10–16 h, 8 office hours in all, so the due moves 8 hours into Tue 19 May.
    start = jst(2026, 5, 11, 9)
    pauses = [(jst(2026, 5, 12, 10), jst(2026, 5, 12, 12)), (jst(2026, 5, 13, 10), jst(2026, 5, 13, 16))]
    assert add_business_days(start, 5) == end_of(date(2026, 5, 18))
    assert add_business_days(start, 5, pauses) == jst(2026, 5, 19, 7, 59, 59)
    # Mon 11 May 0:00 → Sat 16 May 0:00 is 5 office days (120 h); 112 h of them not paused.
    assert office_seconds_between(jst(2026, 5, 11), jst(2026, 5, 16), pauses) == 112 * 3600
    assert business_days_between(jst(2026, 5, 11), jst(2026, 5, 16), pauses) == Decimal("4.67")
    # The order the pauses are given in does not matter.
    assert add_business_days(start, 5, list(reversed(pauses))) == jst(2026, 5, 19, 7, 59, 59)


def test_a_pause_that_starts_on_the_due_moment_changes_nothing():
    # Mon 11 May 2026 00:00 + 1: due at the end of Tue 12 May. Waiting from 23:59:59 that
    # evening to Wed 13 May 10:00 begins when the target is already reached.
    pause = [(jst(2026, 5, 12, 23, 59, 59), jst(2026, 5, 13, 10))]
    assert add_business_days(jst(2026, 5, 11), 1, pause) == end_of(date(2026, 5, 12))
    # One second earlier, the pause takes one second the target still had: it is spent after
    # the pause, from 10:00:00 to 10:00:01 on Wed 13 May.
    earlier = [(jst(2026, 5, 12, 23, 59, 58), jst(2026, 5, 13, 10))]
    assert add_business_days(jst(2026, 5, 11), 1, earlier) == jst(2026, 5, 13, 10, 0, 1)
