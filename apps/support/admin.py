"""Configuration of the COE's desk: canned replies and members' skills and lead flag. The
requests, replies and internal notes are not here: a request is private to its requester,
their managers and the COE, and an administrator is none of those by being one."""

from django.contrib import admin

from apps.accounts.admin import SiteAdmin
from apps.support.models import CannedReply, MemberProfile, MemberSkill


@admin.register(CannedReply)
class CannedReplyAdmin(SiteAdmin):
    list_display = ["title", "kind", "is_active", "updated_at"]
    raw_id_fields = ["updated_by"]


@admin.register(MemberSkill)
class MemberSkillAdmin(SiteAdmin):
    list_display = ["user", "skill"]
    raw_id_fields = ["user"]


@admin.register(MemberProfile)
class MemberProfileAdmin(SiteAdmin):
    list_display = ["user", "is_lead"]
    raw_id_fields = ["user"]
