"""Django admin for support requests: for administrators fixing data. Every change the
portal itself makes (status, assignment, replies) goes through apps.support.services, so
the request's history stays true; the admin shows that history read-only."""

from django.contrib import admin

from apps.support.models import (
    CannedReply,
    Deflection,
    MemberProfile,
    MemberSkill,
    Reply,
    RequestEvent,
    SupportRequest,
)


class EventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "action", "from_status", "to_status", "outcome", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SupportRequest)
class SupportRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "kind", "status", "priority", "department", "assignee", "created_at", "due_at"]
    list_filter = ["status", "kind", "priority"]
    search_fields = ["title"]
    raw_id_fields = ["requester", "assignee", "department"]
    readonly_fields = ["status", "version", "created_at", "updated_at", "first_response_due_at", "resolution_due_at"]
    inlines = [EventInline]


@admin.register(Reply)
class ReplyAdmin(admin.ModelAdmin):
    list_display = ["id", "request", "author", "internal", "created_at"]
    list_filter = ["internal"]
    raw_id_fields = ["request", "author"]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "is_active", "updated_at"]
    raw_id_fields = ["updated_by"]


@admin.register(MemberSkill)
class MemberSkillAdmin(admin.ModelAdmin):
    list_display = ["user", "skill"]
    raw_id_fields = ["user"]


@admin.register(MemberProfile)
class MemberProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "is_lead"]
    raw_id_fields = ["user"]


@admin.register(Deflection)
class DeflectionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "title", "target_type", "department", "kind"]
    raw_id_fields = ["user", "department"]
