from decimal import Decimal

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def format_cell(value, signed: bool = False) -> str:
    """One figure as the page shows it (HTML): grouped digits, the decimals it was rounded
    to, a sign on differences, and "—" (read out as "no data") for a missing value."""
    if value is None:
        return format_html('<span aria-hidden="true">—</span><span class="visually-hidden">{}</span>', _("No data"))
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return conditional_escape(str(value))
    text = f"{value:,}"
    return "+" + text if signed and value > 0 else text


@register.simple_tag
def report_table_body(table) -> SafeString:
    """The rows of a report table, built in Python: a page holds thousands of cells, and a
    template tag per cell made rendering the slowest part of a cached page."""
    if not table.rows:
        return format_html('<tr><td colspan="{}">{}</td></tr>', len(table.columns), _("No data in this period."))
    numeric = table.numeric
    signed = table.signed
    no_data = format_cell(None)
    lines = []
    for row in table.rows:
        cells = [f'<th scope="row">{conditional_escape(str(row[0]))}</th>']
        for index in range(1, len(row)):
            value = row[index]
            text = no_data if value is None else format_cell(value, index == signed)
            cells.append(f'<td class="num">{text}</td>' if numeric[index] else f"<td>{text}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("\n".join(lines))
