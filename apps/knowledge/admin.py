from django.contrib import admin

from apps.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleFeedback,
    ArticleRevision,
    Category,
    EditSuggestion,
    Tag,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "sort_order"]
    list_filter = ["parent"]
    search_fields = ["name"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class AttachmentInline(admin.TabularInline):
    model = ArticleAttachment
    extra = 0
    fields = ["original_name", "kind", "size", "uploaded_by", "created_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Read-mostly: content changes go through the portal's editor, which keeps revisions."""

    list_display = ["title", "status", "category", "owner", "review_by", "updated_at", "view_count"]
    list_filter = ["status", "category"]
    search_fields = ["title"]
    raw_id_fields = ["owner", "updated_by", "related"]
    readonly_fields = ["title", "body", "excerpt", "version", "view_count", "created_at", "updated_at", "published_at"]
    inlines = [AttachmentInline]


@admin.register(ArticleRevision)
class ArticleRevisionAdmin(admin.ModelAdmin):
    list_display = ["article", "number", "editor", "created_at", "note"]
    raw_id_fields = ["article", "editor"]


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(admin.ModelAdmin):
    list_display = ["article", "user", "helpful", "created_at"]
    list_filter = ["helpful"]
    raw_id_fields = ["article", "user"]


@admin.register(EditSuggestion)
class EditSuggestionAdmin(admin.ModelAdmin):
    list_display = ["article", "author", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["article", "author", "resolved_by"]
