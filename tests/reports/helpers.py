from apps.reports.figures import Report, Table, report_build
from apps.reports.periods import Period
from apps.reports.selectors import SECTIONS, department_tree


def build(
    *,
    period: Period | None = None,
    department_ids: list[int] | None = None,
    sections=SECTIONS,
    compare: bool = False,
    now=None,
) -> Report:
    return report_build(
        period=period or Period.for_fiscal_year(2024),
        compare=compare,
        department_ids=department_ids,
        department_label="test",
        sections=sections,
        tree=department_tree(),
        now=now,
    )


def table(report: Report, section: str, key: str) -> Table:
    found = report.section(section)
    assert found is not None, section
    return next(t for t in found.all_tables if t.key == key)


def rows_by_label(t: Table) -> dict[str, list]:
    return {str(row[0]): list(row[1:]) for row in t.rows}


def summary(report: Report, section: str) -> dict[str, object]:
    return {str(row[0]): row[1] for row in table(report, section, "summary").rows}


def run_report_builds() -> int:
    """What the worker does with the queued report figures: builds them. Returns how many."""
    from apps.reports import services
    from apps.reports.models import ReportSnapshot

    queued = list(ReportSnapshot.objects.filter(status=ReportSnapshot.Status.QUEUED).values_list("pk", flat=True))
    for pk in queued:
        services.snapshot_build(snapshot_id=pk)
    return len(queued)


def dashboard(client, url: str, **headers):
    """The dashboard as its reader sees it once the figures are computed: a first visit that
    queues them (the page says they are being computed), the worker's build, the next visit."""
    first = client.get(url, **headers)
    if first.status_code != 200 or not first.context or not first.context.get("pending") or first.context["report"]:
        return first
    assert run_report_builds() >= 1
    return client.get(url, **headers)
