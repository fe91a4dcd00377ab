"""The search log, read-only: what people looked for and how many results they got (no
names). The index itself is not shown: it holds unpublished titles."""

from django.contrib import admin

from apps.accounts.admin import ReadOnlyAdmin
from apps.search.models import SearchQuery


@admin.register(SearchQuery)
class SearchQueryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "query", "result_count", "kinds", "department_id"]
    list_filter = ["created_at"]
    search_fields = ["query"]
    fields = ["created_at", "query", "result_count", "kinds", "department_id"]
