from django.contrib import admin

from apps.search.models import SearchDocument, SearchQuery


@admin.register(SearchDocument)
class SearchDocumentAdmin(admin.ModelAdmin):
    """Read-only: the index is written by the content apps' services (search_index_update)."""

    list_display = ["title", "kind", "object_id", "audience", "updated_at"]
    list_filter = ["kind", "audience"]
    search_fields = ["title"]
    fields = ["kind", "object_id", "title", "url", "audience", "department_id", "meta", "updated_at", "indexed_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SearchQuery)
class SearchQueryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "query", "result_count", "kinds", "department_id"]
    list_filter = ["created_at"]
    search_fields = ["query"]
    readonly_fields = ["created_at", "query", "result_count", "kinds", "department_id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
