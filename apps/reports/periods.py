"""The period a report covers: a fiscal year (年度, 1 April – 31 March) or any date range,
inclusive, in Japan time."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.core.dates import fiscal_year_bounds


def fiscal_year_label(year: int) -> str:
    return _("FY%(year)s") % {"year": year}


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    fiscal_year: int | None = None

    @classmethod
    def for_fiscal_year(cls, year: int) -> "Period":
        start, end = fiscal_year_bounds(year)
        return cls(start=start, end=end, fiscal_year=year)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period to compare with: the fiscal year before, or a range of the same
        length ending the day before this one starts."""
        if self.fiscal_year is not None:
            return Period.for_fiscal_year(self.fiscal_year - 1)
        end = self.start - timedelta(days=1)
        return Period(start=end - timedelta(days=self.days - 1), end=end)

    @property
    def dates_label(self) -> str:
        return _("%(start)s – %(end)s") % {
            "start": date_format(self.start, "DATE_FORMAT"),
            "end": date_format(self.end, "DATE_FORMAT"),
        }

    @property
    def label(self) -> str:
        if self.fiscal_year is not None:
            return f"{fiscal_year_label(self.fiscal_year)} ({self.dates_label})"
        return self.dates_label

    @property
    def slug(self) -> str:
        """For file names: 2025-04-01_2026-03-31."""
        return f"{self.start.isoformat()}_{self.end.isoformat()}"
