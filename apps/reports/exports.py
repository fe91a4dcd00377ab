"""The report as files: one CSV per section (UTF-8 with a byte-order mark, so Excel
opens Japanese text correctly) and one Excel workbook with a sheet per section. Both
are written from the same Report the page shows, cell for cell, through apps.core.exports
(so search words or titles that look like a formula stay text)."""

import re
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from apps.core import exports
from apps.reports.figures import Cell, Report, Section

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _text(cell: Cell) -> str:
    return "" if cell is None else str(cell)


def _heading_rows(report: Report, section: Section) -> list[list[str]]:
    rows = [
        [_("DX COE Portal report"), section.title],
        [_("Period"), report.period.label],
    ]
    if report.previous is not None:
        rows.append([_("Compared with"), report.previous.label])
    rows += [
        [_("Departments"), report.department_label],
        [_("Figures as of"), timezone.localtime(report.built_at).strftime("%Y-%m-%d %H:%M")],
    ]
    return rows


def section_csv(report: Report, section: Section) -> str:
    """The section's tables one after another, each with its caption, headers and note.
    Numbers are written as numbers (without grouping), empty cells empty."""
    rows: list[list] = list(_heading_rows(report, section))
    rows += [[note] for note in section.notes]
    for table in section.all_tables:
        rows.append([])
        rows.append([table.caption])
        rows.append(table.columns)
        rows += table.rows
        if table.note:
            rows.append([table.note])
    return exports.csv_text(rows)


def sheet_title(title: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = _SHEET_FORBIDDEN.sub(" ", title)[:31].strip() or "Sheet"
    name, n = base, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


class _SheetWriter:
    """Appends rows to a write-only worksheet (openpyxl's fast mode): numbers stay numbers,
    shown with the decimals the page shows; text never becomes a formula."""

    def __init__(self, sheet) -> None:
        self.sheet = sheet

    def cell(self, value: Cell, *, font: Font | None = None, fill=None):
        number_format = None
        if isinstance(value, Decimal):
            places = -value.as_tuple().exponent if isinstance(value.as_tuple().exponent, int) else 0
            number_format = "#,##0" + ("." + "0" * places if places > 0 else "")
        elif isinstance(value, int):
            number_format = "#,##0"
        return exports.xlsx_cell(self.sheet, value, font=font, fill=fill, number_format=number_format)

    def row(self, values: list[Cell], **style) -> None:
        self.sheet.append([self.cell(value, **style) for value in values])


def _column_widths(section: Section) -> dict[int, int]:
    """Wide enough for each column's headers and values (headings and notes may run over)."""
    widths: dict[int, int] = {}
    for table in section.all_tables:
        for row in [table.columns, *table.rows]:
            for col, value in enumerate(row, start=1):
                widths[col] = max(widths.get(col, 8), min(50, len(_text(value)) * 2 + 2))
    return widths


def report_xlsx(report: Report) -> bytes:
    """One sheet per section: the heading (period, departments, time), then each table
    with its caption, headers, rows and note, as in the CSV."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    caption_font = Font(bold=True, size=12)
    header_fill = PatternFill("solid", fgColor="E6E6E6")
    taken: set[str] = set()
    for section in report.sections:
        sheet = workbook.create_sheet(sheet_title(section.title, taken))
        for col, width in _column_widths(section).items():  # before any row, in write-only mode
            sheet.column_dimensions[get_column_letter(col)].width = width
        # Printed on A4, as wide as one page and as long as it needs.
        sheet.page_setup.paperSize = 9  # ECMA-376 paper size 9 = A4
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        out = _SheetWriter(sheet)
        for label, value in _heading_rows(report, section):
            sheet.append([out.cell(label, font=bold), out.cell(value)])
        for note in section.notes:
            out.row([note])
        for table in section.all_tables:
            sheet.append([])
            out.row([table.caption], font=caption_font)
            out.row(table.columns, font=bold, fill=header_fill)
            for values in table.rows:
                out.row(values)
            if table.note:
                out.row([table.note])
    return exports.xlsx_bytes(workbook)
