"""Every CSV and Excel file the portal writes goes through here, so that none of them can
carry a formula ("CSV injection", OWASP): a cell is written as the text it is, whatever a
title, a name or a search word starts with.

- CSV: UTF-8 with a byte-order mark (Excel in Japan then reads it without garbling), rows
  ended by CRLF (RFC 4180). Text that a spreadsheet would take for a formula gets a
  leading apostrophe, as OWASP advises; numbers are written as numbers.
- Excel (openpyxl): every text cell is stored as text, and text that looks like a formula
  is also marked as typed with a leading apostrophe (the cell's quotePrefix), so Excel
  shows it as written and keeps it text when someone edits the cell. Numbers, dates and
  booleans stay what they are; characters that XML cannot hold are dropped instead of
  failing the whole file.
"""

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.functional import Promise
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

BOM = "\ufeff"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What a spreadsheet may read as the start of a formula (OWASP "CSV Injection"; tab, CR
# and LF because some programs drop them and read on; NUL as in OWASP ASVS 1.2.10).
_FORMULA_START = frozenset("=+-@\t\r\n\0")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet might run this text. Leading spaces are skipped (some programs
    trim cells), and full-width signs count as their ASCII forms (＝ ＋ － ＠: a Japanese
    input method writes those, and spreadsheets may fold them)."""
    head = text.lstrip(" \u3000")[:1]
    return bool(head) and (head in _FORMULA_START or unicodedata.normalize("NFKC", head) in _FORMULA_START)


def _plain(value: object) -> object:
    """Lazy translations as the text they are now; everything else as it is."""
    return str(value) if isinstance(value, Promise) else value


def csv_cell(value: object) -> object:
    """A value for csv.writer: None as an empty cell, formula-like text with a leading
    apostrophe, numbers (negative ones too) untouched."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def _writer(target) -> "csv.writer":
    return csv.writer(target, lineterminator="\r\n")


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """Rows as the text of a CSV file, byte-order mark first."""
    out = io.StringIO()
    out.write(BOM)
    writer = _writer(out)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue()


class _Echo:
    """A file that hands back what is written to it: csv.writer then returns each line."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV file line by line, byte-order mark first, for a streaming response: rows are
    read from `rows` (a queryset iterator) only as the client takes them."""
    yield BOM
    writer = _writer(_Echo())
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def _attachment(response: HttpResponse | StreamingHttpResponse, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(rows: Iterable[Sequence[object]], *, filename: str) -> HttpResponse:
    """A CSV download built in memory (for files of a few thousand rows)."""
    return _attachment(HttpResponse(csv_text(rows).encode("utf-8"), content_type=CSV_CONTENT_TYPE), filename)


def csv_streaming_response(rows: Iterable[Sequence[object]], *, filename: str) -> StreamingHttpResponse:
    """A CSV download written while it is sent (for lists of any length)."""
    lines = (line.encode("utf-8") for line in csv_lines(rows))
    return _attachment(StreamingHttpResponse(lines, content_type=CSV_CONTENT_TYPE), filename)


def xlsx_cell(sheet, value: object, *, font=None, fill=None, number_format: str | None = None) -> WriteOnlyCell:
    """A cell for `sheet.append()` (write-only and ordinary worksheets alike): text is always
    text, formula-like text marked as typed with an apostrophe."""
    value = _plain(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
        if looks_like_formula(value):
            cell.quotePrefix = True
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if number_format is not None:
        cell.number_format = number_format
    return cell


def xlsx_append(sheet, values: Iterable[object], **style) -> None:
    """Append one row of values to a worksheet, each through xlsx_cell."""
    sheet.append([xlsx_cell(sheet, value, **style) for value in values])


def xlsx_bytes(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(workbook, *, filename: str) -> HttpResponse:
    return _attachment(HttpResponse(xlsx_bytes(workbook), content_type=XLSX_CONTENT_TYPE), filename)
