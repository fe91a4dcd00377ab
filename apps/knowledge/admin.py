"""Only the structure of the knowledge base here (categories, tags). Articles are written
in the portal's editor, which keeps revisions and checks who may see a draft."""

from django.contrib import admin

from apps.accounts.admin import SiteAdmin
from apps.knowledge.models import Category, Tag


@admin.register(Category)
class CategoryAdmin(SiteAdmin):
    list_display = ["name", "parent", "sort_order"]
    list_filter = ["parent"]
    search_fields = ["name"]


@admin.register(Tag)
class TagAdmin(SiteAdmin):
    search_fields = ["name"]
