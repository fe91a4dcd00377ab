from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

from apps.core.markdown import render_markdown

register = template.Library()


@register.filter
def case_markdown(text: str) -> SafeString:
    """User-written Markdown, rendered safely (no raw HTML, sanitised)."""
    return render_markdown(text)


@register.filter
def hours(value: Decimal | None) -> str:
    """1234.5 → "1,234.5", 1200.0 → "1,200"; empty for no figure. (Japanese and English
    group thousands with a comma alike; written out because the hours-saved table has a
    thousand of them and floatformat costs ten times as much.)"""
    if value is None:
        return ""
    tenths = Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{tenths:,.0f}" if tenths == tenths.to_integral_value() else f"{tenths:,}"


@register.filter
def case_count(n: int) -> str:
    """“(3 cases)” beside a facet value (a filter: the list shows hundreds of them)."""
    return ngettext("(%(counter)s case)", "(%(counter)s cases)", n) % {"counter": n}


@register.filter
def amount(value: int | None) -> str:
    return "" if value is None else intcomma(value)
