"""Fiscal years (年度, PRODUCT.md "Reports": April–March, Japan time): the last second of
31 March and the first of 1 April in Japan, the UTC instant that is already 1 April in Japan,
the year's first and last day, and the label the app shows ("2025年度" / "FY2025")."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from apps.core.dates import current_fiscal_year, fiscal_year, fiscal_year_bounds
from apps.reports.periods import Period

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("moment", "year"),
    [
        (datetime(2026, 3, 31, 23, 59, 59, tzinfo=TOKYO), 2025),
        (datetime(2026, 4, 1, 0, 0, 0, tzinfo=TOKYO), 2026),
        # 15:00 UTC on 31 March is midnight in Tokyo: already the new fiscal year …
        (datetime(2026, 3, 31, 15, 0, 0, tzinfo=UTC), 2026),
        # … one second earlier it is not.
        (datetime(2026, 3, 31, 14, 59, 59, tzinfo=UTC), 2025),
        # Late on 31 March in New York is 1 April in Tokyo: Japan time decides.
        (datetime(2026, 3, 31, 12, 0, 0, tzinfo=ZoneInfo("America/New_York")), 2026),
        # 1 January belongs to the fiscal year that started the April before.
        (datetime(2026, 1, 1, 0, 0, 0, tzinfo=TOKYO), 2025),
        (datetime(2025, 12, 31, 23, 59, 59, tzinfo=TOKYO), 2025),
    ],
)
def test_an_aware_moment_counts_in_japan_time(moment, year):
    assert fiscal_year(moment) == year


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 3, 31), 2025),
        (date(2026, 4, 1), 2026),
        (date(2024, 2, 29), 2023),
        (date(2026, 4, 30), 2026),
        (date(2027, 3, 1), 2026),
    ],
)
def test_a_date_belongs_to_the_fiscal_year_that_started_on_the_1_april_before_it(day, year):
    assert fiscal_year(day) == year


def test_a_naive_datetime_is_taken_as_written():
    # Naive values (a date and time typed into a form, already Japan time) are not shifted.
    assert fiscal_year(datetime(2026, 3, 31, 23, 59, 59)) == 2025  # noqa: DTZ001 - naive on purpose
    assert fiscal_year(datetime(2026, 4, 1, 0, 0, 0)) == 2026  # noqa: DTZ001 - naive on purpose


@pytest.mark.parametrize(
    ("year", "first", "last"),
    [
        (2025, date(2025, 4, 1), date(2026, 3, 31)),
        # Ends on 31 March, never on 29 February, even in a leap year.
        (2023, date(2023, 4, 1), date(2024, 3, 31)),
        (2019, date(2019, 4, 1), date(2020, 3, 31)),  # 令和元年度 began on 1 April 2019
    ],
)
def test_bounds_are_1_april_to_31_march(year, first, last):
    assert fiscal_year_bounds(year) == (first, last)
    # The day before the first and the day after the last belong to the neighbours.
    assert fiscal_year(first - timedelta(days=1)) == year - 1
    assert fiscal_year(last + timedelta(days=1)) == year + 1


def test_current_fiscal_year_turns_at_midnight_in_japan(monkeypatch):
    # 14:59:59 UTC on 31 March 2026 is 23:59:59 in Tokyo; a second later it is 1 April.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 31, 14, 59, 59, tzinfo=UTC))
    assert current_fiscal_year() == 2025
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 31, 15, 0, 0, tzinfo=UTC))
    assert current_fiscal_year() == 2026


@pytest.mark.parametrize(
    ("language", "label"),
    [("ja", "2025年度 (2025年4月1日～2026年3月31日)"), ("en", "FY2025 (April 1, 2025 – March 31, 2026)")],
)
def test_a_fiscal_year_report_period_is_labelled_as_the_app_shows_it(language, label):
    period = Period.for_fiscal_year(2025)
    assert (period.start, period.end, period.days) == (date(2025, 4, 1), date(2026, 3, 31), 365)
    with translation.override(language):
        assert period.label == label
    # The period compared with is the fiscal year before.
    assert period.previous() == Period(start=date(2024, 4, 1), end=date(2025, 3, 31), fiscal_year=2024)
