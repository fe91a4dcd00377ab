from django.contrib import admin

from apps.ideas.models import AnswerStatus, Category, Challenge, Idea


@admin.register(AnswerStatus)
class AnswerStatusAdmin(admin.ModelAdmin):
    """The COE's official answer statuses (採用, 検討中 …) are configuration, kept here."""

    list_display = ["name_ja", "name_en", "sort_order"]
    list_editable = ["sort_order"]


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ["title", "submission_start", "voting_end", "sealed_at", "results_published_at"]
    # Counts and the seal change only through the services (votes, challenge_seal).
    readonly_fields = ["sealed_at", "seal_digest", "results_published_at"]
    raw_id_fields = ["created_by"]
    inlines = [CategoryInline]


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = ["title", "challenge", "status", "author", "submitted_at"]
    list_filter = ["status", "challenge"]
    search_fields = ["title"]
    raw_id_fields = ["author", "merged_into", "department", "category"]
    readonly_fields = ["vote_count", "status", "merged_into"]
