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
