"""The reports: one dashboard (htmx requests get just the report part), a fragment per
section, a CSV per section and one Excel workbook. Each view checks access, parses the
period form and reads the figures of that view from its snapshot (apps.reports.services),
which a task computes: the dashboard shows progress until the first figures are there;
a fragment or a download computes them at once if they are not."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.reports import services
from apps.reports.exports import report_xlsx, section_csv
from apps.reports.figures import Report
from apps.reports.forms import ReportFilterForm
from apps.reports.models import ReportSnapshot
from apps.reports.selectors import SECTIONS, ReportAccess, department_tree, report_access_for


@dataclass
class ReportRequest:
    access: ReportAccess
    form: ReportFilterForm
    report: Report | None
    snapshot: ReportSnapshot | None = None


def _view_of(access: ReportAccess, form: ReportFilterForm) -> services.ReportView:
    ids = form.department_ids
    return services.ReportView(
        period=form.period,
        compare=form.comparing,
        department_ids=None if ids is None else tuple(ids),
        sections=tuple(access.sections),
        language="en" if (get_language() or "ja").startswith("en") else "ja",
        department_label=form.department_label,
    )


def _report_for(
    request: HttpRequest, section: str | None = None, *, wait: bool = False, refresh: bool = False
) -> ReportRequest:
    """Access first (403 before any figure is read), then the form, then the figures: the
    snapshot's, or with `wait` (a fragment, a download) computed now when it has none yet."""
    tree = department_tree()
    access = report_access_for(request.user, tree)
    if section is not None:
        _check_section(access, section)
    if refresh and not access.may_refresh:
        raise PermissionDenied
    form = ReportFilterForm(request.GET, access=access, tree=tree)
    if not form.is_valid():
        return ReportRequest(access=access, form=form, report=None)
    view = _view_of(access, form)
    snapshot = services.snapshot_for(view, refresh=refresh)
    report = services.snapshot_report(snapshot)
    if report is None and wait:
        report = services.view_report_build(view, tree)
    return ReportRequest(access=access, form=form, report=report, snapshot=snapshot)


def _query_string(form: ReportFilterForm) -> str:
    """The report's own filters, for links to its sections and exports."""
    return urlencode([(name, value) for name in form.fields for value in form.data.getlist(name)])


def _context(request: HttpRequest, found: ReportRequest) -> dict:
    return {
        "form": found.form,
        "report": found.report,
        "access": found.access,
        "query": _query_string(found.form),
        "cache_minutes": int(services.MAX_AGE.total_seconds()) // 60,
        "pending": found.snapshot is not None and services.snapshot_pending(found.snapshot),
        "failed": found.snapshot is not None and found.snapshot.status == ReportSnapshot.Status.FAILED,
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


@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    """Compute the figures of this view again (COE and administrators); the dashboard shows
    the last ones until the new ones are there."""
    found = _report_for(request, refresh=True)
    query = _query_string(found.form)
    return redirect(reverse("reports:dashboard") + (f"?{query}" if query else ""))


@require_GET
def section_fragment(request: HttpRequest, section: str) -> HttpResponse:
    found = _report_for(request, section, wait=True)
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
    found = _report_for(request, section, wait=True)
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
    found = _report_for(request, wait=True)
    if found.report is None:
        return _bad_period(found.form)
    response = HttpResponse(
        report_xlsx(found.report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="dx-report-{found.report.period.slug}.xlsx"'
    return response
