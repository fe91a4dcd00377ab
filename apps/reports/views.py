"""The reports: one dashboard (htmx requests get just the report part), a fragment per
section, a CSV per section and one Excel workbook. Each view checks access, parses the
period form and asks `report_figures` for the same cached figures."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.core import params
from apps.reports.exports import report_xlsx, section_csv
from apps.reports.figures import CACHE_SECONDS, Report, report_figures
from apps.reports.forms import ReportFilterForm
from apps.reports.selectors import SECTIONS, ReportAccess, department_tree, report_access_for


@dataclass
class ReportRequest:
    access: ReportAccess
    form: ReportFilterForm
    report: Report | None


def _report_for(request: HttpRequest, section: str | None = None) -> ReportRequest:
    """Access first (403 before any figure is computed), then the form, then the figures."""
    tree = department_tree()
    access = report_access_for(request.user, tree)
    if section is not None:
        _check_section(access, section)
    form = ReportFilterForm(request.GET, access=access, tree=tree)
    report = None
    if form.is_valid():
        report = report_figures(
            fresh=access.may_refresh and params.choice(request.GET, "fresh", ["1"], "") == "1",
            period=form.period,
            compare=form.comparing,
            department_ids=form.department_ids,
            department_label=form.department_label,
            sections=access.sections,
            tree=tree,
        )
    return ReportRequest(access=access, form=form, report=report)


def _query_string(form: ReportFilterForm) -> str:
    """The report's own filters, for links to its sections and exports (not `fresh`)."""
    return urlencode([(name, value) for name in form.fields for value in form.data.getlist(name)])


def _context(request: HttpRequest, found: ReportRequest) -> dict:
    return {
        "form": found.form,
        "report": found.report,
        "access": found.access,
        "query": _query_string(found.form),
        "cache_minutes": CACHE_SECONDS // 60,
    }


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    found = _report_for(request)
    template = "reports/partials/report.html" if request.htmx else "reports/dashboard.html"
    return render(request, template, _context(request, found))


def _check_section(access: ReportAccess, section: str) -> None:
    if section not in SECTIONS:
        raise Http404
    if section not in access.sections:
        raise PermissionDenied


@require_GET
def section_fragment(request: HttpRequest, section: str) -> HttpResponse:
    found = _report_for(request, section)
    if found.report is None:
        return _bad_period(found.form)
    context = _context(request, found) | {"section": found.report.section(section)}
    return render(request, "reports/partials/section.html", context)


def _errors(form: ReportFilterForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _bad_period(form: ReportFilterForm) -> HttpResponse:
    return HttpResponse(
        _("The report could not be made. Check the period: %(errors)s") % {"errors": _errors(form)},
        status=400,
        content_type="text/plain; charset=utf-8",
    )


@require_GET
def export_section_csv(request: HttpRequest, section: str) -> HttpResponse:
    found = _report_for(request, section)
    if found.report is None:
        return _bad_period(found.form)
    report = found.report
    response = HttpResponse(
        section_csv(report, report.section(section)).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="dx-report-{section}-{report.period.slug}.csv"'
    return response


@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    found = _report_for(request)
    if found.report is None:
        return _bad_period(found.form)
    response = HttpResponse(
        report_xlsx(found.report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="dx-report-{found.report.period.slug}.xlsx"'
    return response
