"""The CSV files and the Excel workbook open, and hold the same numbers as the page:
every table of every section is read back from all three and compared cell by cell."""

import csv
import io
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.reports.figures import Report
from apps.reports.selectors import SECTIONS
from tests.reports.helpers import dashboard

FY = "?fy=2024&compare=on"


class TableReader(HTMLParser):
    """{table id: [[cell text, …], …]} of a page (header and body rows)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_text(cell: str) -> str:
    """A page cell as the files write it: no digit grouping, no sign on a rise, empty for "—"."""
    if cell.startswith("—"):
        return ""
    if re.fullmatch(r"[+-]?[\d,]+(\.\d+)?", cell):
        return cell.replace(",", "").removeprefix("+")
    return cell


def file_text(value) -> str:
    return "" if value is None else str(value)


def xlsx_equal(cell, value) -> bool:
    if value is None:
        return cell is None
    if isinstance(value, Decimal):
        return isinstance(cell, int | float) and Decimal(str(cell)) == value
    return cell == value


@pytest.fixture
def exported(client_for, city):
    client = client_for(city.admin)
    page = dashboard(client, reverse("reports:dashboard") + FY)
    report: Report = page.context["report"]
    reader = TableReader()
    reader.feed(page.content.decode())
    csvs = {}
    for key in SECTIONS:
        response = client.get(reverse("reports:export_csv", args=[key]) + FY)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert f"dx-report-{key}-2024-04-01_2025-03-31.csv" in response["Content-Disposition"]
        assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
        csvs[key] = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    response = client.get(reverse("reports:export_xlsx") + FY)
    assert response.status_code == 200
    assert "dx-report-2024-04-01_2025-03-31.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    return report, reader.tables, csvs, book


def _find(rows: list[list], caption: str) -> int:
    for index, row in enumerate(rows):
        if row and row[0] == caption and (len(row) == 1 or all(v in (None, "") for v in row[1:])):
            return index
    raise AssertionError(f"no table captioned {caption!r}")


def test_every_table_is_the_same_on_the_page_in_csv_and_in_excel(exported):
    report, page_tables, csvs, book = exported
    assert book.sheetnames == [s.title[:31] for s in report.sections]
    checked = 0
    for section in report.sections:
        sheet = [list(row) for row in book[section.title[:31]].iter_rows(values_only=True)]
        for table in section.all_tables:
            # the page
            on_page = page_tables[f"table-{section.key}-{table.key}"]
            assert on_page[0] == table.columns
            body = on_page[1:] if table.rows else []
            assert [[page_text(c) for c in row] for row in body] == [[file_text(c) for c in row] for row in table.rows]
            # the CSV
            rows = csvs[section.key]
            at = _find(rows, table.caption)
            assert rows[at + 1] == table.columns
            assert rows[at + 2 : at + 2 + len(table.rows)] == [[file_text(c) for c in row] for row in table.rows]
            # the workbook
            at = _find(sheet, table.caption)
            assert sheet[at + 1][: len(table.columns)] == table.columns
            for got, want in zip(sheet[at + 2 : at + 2 + len(table.rows)], table.rows, strict=True):
                assert all(xlsx_equal(g, w) for g, w in zip(got, want, strict=False)), (got, want)
            checked += len(table.rows)
    assert checked > 60


def test_files_carry_the_period_and_the_departments(exported):
    report, _tables, csvs, book = exported
    rows = csvs["cases"]
    assert rows[1][1] == report.period.label
    assert rows[2][1] == report.previous.label
    assert rows[3][1] == report.department_label
    sheet = book[report.section("cases").title[:31]]
    assert sheet["B2"].value == report.period.label


def test_japanese_text_survives_the_round_trip(exported):
    _report, _tables, csvs, book = exported
    text = "\n".join(",".join(row) for row in csvs["knowledge"])
    assert "粗大ごみ" in text and "Teams 会議の始め方" in text
    values = [c.value for ws in book for row in ws.iter_rows() for c in row]
    assert "粗大ごみ" in values


def test_headline_hours_in_excel_are_numbers(exported):
    report, _tables, _csvs, book = exported
    section = report.section("cases")
    sheet = book[section.title[:31]]
    headline = section.summary.rows[0][0]  # hours saved per year, in the page's language
    hours = next(row[1] for row in sheet.iter_rows() if row[0].value == headline)
    assert hours.value == 5656.0
    assert hours.number_format == "#,##0.0"


def test_text_that_looks_like_a_formula_stays_text(client_for, city):
    from apps.search.models import SearchQuery
    from tests.reports.city import jst

    for words in ('=HYPERLINK("http://x")', "@SUM(1+1)", "+81-3"):
        row = SearchQuery.objects.create(query=words, result_count=0, department_id=city.s1.pk)
        SearchQuery.objects.filter(pk=row.pk).update(created_at=jst(2024, 9, 9))
    client = client_for(city.admin)
    body = client.get(reverse("reports:export_csv", args=["knowledge"]) + FY).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    cells = {r[0] for r in rows if r}
    assert {'\'=HYPERLINK("http://x")', "'@SUM(1+1)", "'+81-3"} <= cells
    book = load_workbook(io.BytesIO(client.get(reverse("reports:export_xlsx") + FY).content))
    found = [c for ws in book for row in ws.iter_rows() for c in row if c.value == '=HYPERLINK("http://x")']
    assert found and all(c.data_type == "s" for c in found)
