from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils.safestring import SafeString

from apps.core.markdown import render_markdown

register = template.Library()


@register.filter
def case_markdown(text: str) -> SafeString:
    """User-written Markdown, rendered safely (no raw HTML, sanitised)."""
    return render_markdown(text)


@register.filter
def hours(value: Decimal | None) -> str:
    """1234.5 → "1,234.5", 1200.0 → "1,200"; empty for no figure."""
    if value is None:
        return ""
    return floatformat(value, "-1g")


@register.filter
def amount(value: int | None) -> str:
    return "" if value is None else intcomma(value)
