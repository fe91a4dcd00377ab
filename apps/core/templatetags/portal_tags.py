from django import template
from django.forms import BoundField

register = template.Library()


@register.filter
def with_described_by(field: BoundField):
    """Render a field's widget linked to its help text and errors (WCAG 3.3.1)."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_help")
    attrs = {}
    if field.errors:
        ids.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    return field.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with some parameters replaced (pagination, sorting)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()
