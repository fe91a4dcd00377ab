"""Only configuration here. Challenges, ideas and votes live in the portal, where the
product's rules hold for everyone (an administrator sees no draft and no hidden count)."""

from django.contrib import admin

from apps.accounts.admin import SiteAdmin
from apps.ideas.models import AnswerStatus


@admin.register(AnswerStatus)
class AnswerStatusAdmin(SiteAdmin):
    """The COE's official answer statuses (採用, 検討中 …)."""

    list_display = ["name_ja", "name_en", "sort_order"]
    list_editable = ["sort_order"]
