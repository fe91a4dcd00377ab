"""Reference data (fields, tools) is managed here by administrators. Cases themselves are
written in the portal, through the services, so every change is validated and audited."""

from django.contrib import admin

from apps.accounts.admin import SiteAdmin
from apps.cases.models import Field, Tool


@admin.register(Field, Tool)
class ReferenceItemAdmin(SiteAdmin):
    list_display = ["code", "name_ja", "name_en", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["code", "name_ja", "name_en"]
