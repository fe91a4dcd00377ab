"""Small pieces of the support pages as tags: a list of 25 requests would otherwise
render two template includes per row (measurably the slowest part of the queue)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from apps.support.models import Kind, Priority, Status
from apps.support.selectors import BREACHED, NEAR

register = template.Library()

# Model.get_FOO_display() hashes every (lazy) choice label on each call: in a list of 25
# requests that was a tenth of the page. These dicts are built once; str() translates.
STATUS_LABELS = dict(Status.choices)
KIND_LABELS = dict(Kind.choices)
PRIORITY_LABELS = dict(Priority.choices)


@register.simple_tag
def support_status(request) -> SafeString:
    return format_html(
        '<span class="support-status support-status--{}">{}</span>',
        request.status,
        STATUS_LABELS.get(request.status, request.status),
    )


@register.simple_tag
def support_kind(request) -> str:
    return str(KIND_LABELS.get(request.kind, request.kind))


@register.simple_tag
def support_priority(request) -> str:
    return str(PRIORITY_LABELS.get(request.priority, request.priority))


@register.simple_tag
def support_target(request) -> SafeString:
    """The request's target flag (annotated by selectors.with_target_flags), or nothing."""
    state = getattr(request, "target_state", "")
    if state == BREACHED:
        return format_html('<span class="support-flag support-flag--breached">{}</span>', _("Past target"))
    if state == NEAR:
        return format_html('<span class="support-flag support-flag--near">{}</span>', _("Due today"))
    return SafeString("")
