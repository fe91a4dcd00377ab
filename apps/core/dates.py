"""Japanese fiscal years (年度): a fiscal year starts on 1 April and is named after the
calendar year it starts in, so 31 March 2025 belongs to FY2024 and 1 April 2025 to FY2025."""

from datetime import date, datetime, timedelta

from django.utils import timezone

FISCAL_YEAR_START_MONTH = 4


def fiscal_year(value: date | datetime) -> int:
    """The fiscal year of a date; an aware datetime counts in Japan time (settings.TIME_ZONE)."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.year if value.month >= FISCAL_YEAR_START_MONTH else value.year - 1


def fiscal_year_bounds(year: int) -> tuple[date, date]:
    """First and last day of a fiscal year: (1 April year, 31 March year + 1)."""
    return date(year, FISCAL_YEAR_START_MONTH, 1), date(year + 1, FISCAL_YEAR_START_MONTH, 1) - timedelta(days=1)


def current_fiscal_year() -> int:
    return fiscal_year(timezone.localdate())
