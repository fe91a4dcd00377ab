"""Outgoing mail, read-only, for an administrator looking into a delivery problem. The
notifications themselves are their recipients' own and are not shown here."""

from django.contrib import admin

from apps.accounts.admin import ReadOnlyAdmin
from apps.notifications.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "channel", "status", "attempts", "claimed_at", "sent_at"]
    list_filter = ["status", "channel", "digest"]
    fields = ["created_at", "channel", "digest", "status", "attempts", "due_at", "claimed_at", "last_error", "sent_at"]
