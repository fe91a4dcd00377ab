from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.dates import current_fiscal_year
from apps.core.forms import DateField, Select
from apps.reports.periods import Period, fiscal_year_label
from apps.reports.selectors import DepartmentTree, ReportAccess

FISCAL_YEARS_SHOWN = 10
# Long enough for a five-year plan; the business-day calendar of a period is built per request.
MAX_PERIOD_DAYS = 5 * 366
EARLIEST = date(2000, 1, 1)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ReportFilterForm(forms.Form):
    """The period picker and department filter. A GET form, so every view of the report
    is a bookmarkable URL; an empty form means the current fiscal year."""

    fy = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int, required=False)
    start = DateField(label=_("From"), required=False, widget=DateInput())
    end = DateField(label=_("To"), required=False, widget=DateInput())
    department = forms.TypedChoiceField(
        label=_("Department"), coerce=int, required=False, empty_value=None, widget=Select
    )
    compare = forms.BooleanField(label=_("Compare with the previous period"), required=False)

    def __init__(self, *args, access: ReportAccess, tree: DepartmentTree, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        current = current_fiscal_year()
        self.fields["fy"].choices = [
            (year, fiscal_year_label(year)) for year in range(current, current - FISCAL_YEARS_SHOWN, -1)
        ]
        self.access, self.tree = access, tree
        if access.department_ids is None:
            choices = [("", _("All departments"))]
            ids = tree.in_tree_order(tree.active)
        else:
            choices = []
            ids = tree.in_tree_order(access.department_ids)
        # Indented by level (full-width spaces), so the 局/部/課 tree shows in the list.
        choices += [(pk, "\u3000" * tree.depth.get(pk, 0) + tree.name(pk)) for pk in ids]
        if access.department_ids is not None and not ids:
            choices = [("", _("No department"))]
        self.fields["department"].choices = choices

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if self.errors:
            return data
        if (start is None) != (end is None):
            raise forms.ValidationError(
                _("Enter both dates of the period, or leave both empty to use the fiscal year."), code="half_range"
            )
        if start is not None and end is not None:
            if end < start:
                self.add_error("end", forms.ValidationError(_("The period ends before it starts."), code="reversed"))
            elif (end - start).days + 1 > MAX_PERIOD_DAYS:
                self.add_error("end", forms.ValidationError(_("Choose a period of at most five years."), code="long"))
            elif start < EARLIEST:
                self.add_error("start", forms.ValidationError(_("Choose dates from 2000 on."), code="early"))
            elif start > timezone.localdate():
                self.add_error("start", forms.ValidationError(_("The period starts in the future."), code="future"))
        return data

    # --- results, valid forms only ---------------------------------------------------------

    @property
    def period(self) -> Period:
        data = self.cleaned_data
        if data.get("start") and data.get("end"):
            return Period(start=data["start"], end=data["end"])
        return Period.for_fiscal_year(data.get("fy") or current_fiscal_year())

    @property
    def comparing(self) -> bool:
        return bool(self.cleaned_data.get("compare"))

    @property
    def department_ids(self) -> list[int] | None:
        """The departments the figures cover: None = all; otherwise a department and the
        units under it, always within what the user may see."""
        chosen = self.cleaned_data.get("department")
        allowed = self.access.department_ids
        if chosen is None:
            return None if allowed is None else sorted(allowed)
        ids = self.tree.subtree(chosen)
        return sorted(ids) if allowed is None else sorted(set(ids) & allowed)

    @property
    def department_label(self) -> str:
        chosen = self.cleaned_data.get("department")
        if chosen is not None:
            return str(_("%(name)s (and the units under it)") % {"name": self.tree.name(chosen)})
        if self.access.department_ids is None:
            return str(_("All departments"))
        if self.access.home_department_id:
            return str(
                _("%(name)s (and the units under it)") % {"name": self.tree.name(self.access.home_department_id)}
            )
        return str(_("No department"))
