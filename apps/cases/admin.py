"""Reference data (fields, tools) is managed here by administrators. Cases themselves are
written in the portal, through the services, so every change is validated and audited."""

from django.contrib import admin

from apps.cases.models import Case, Field, Tool


@admin.register(Field, Tool)
class ReferenceItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ja", "name_en", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["code", "name_ja", "name_en"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["title", "department", "stage", "fiscal_year", "visibility", "updated_at"]
    list_filter = ["visibility", "stage", "fiscal_year", "field"]
    search_fields = ["title", "summary"]
    raw_id_fields = ["department", "author"]

    # Read-only here: edits go through the portal's case editor and its services.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
