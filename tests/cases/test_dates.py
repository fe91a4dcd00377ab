"""apps.core.dates: the Japanese fiscal year (年度) starts on 1 April."""

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from apps.core.dates import current_fiscal_year, fiscal_year, fiscal_year_bounds


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2025, 3, 31), 2024),
        (date(2025, 4, 1), 2025),
        (date(2025, 1, 1), 2024),
        (date(2025, 12, 31), 2025),
        (date(2024, 2, 29), 2023),
    ],
)
def test_fiscal_year_of_a_date(day, year):
    assert fiscal_year(day) == year


def test_an_aware_datetime_counts_in_japan_time():
    # 15:30 UTC on 31 March is 00:30 on 1 April in Tokyo: the new fiscal year.
    assert fiscal_year(datetime(2025, 3, 31, 15, 30, tzinfo=UTC)) == 2025
    assert fiscal_year(datetime(2025, 3, 31, 14, 59, tzinfo=UTC)) == 2024


def test_bounds():
    assert fiscal_year_bounds(2024) == (date(2024, 4, 1), date(2025, 3, 31))
    start, end = fiscal_year_bounds(2023)
    assert fiscal_year(start) == fiscal_year(end) == 2023


def test_current_fiscal_year(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: date(2026, 3, 31))
    assert current_fiscal_year() == 2025
    monkeypatch.setattr(timezone, "localdate", lambda: date(2026, 4, 1))
    assert current_fiscal_year() == 2026
