from django.contrib import admin

from apps.accounts.admin import SiteAdmin
from apps.core.services import audit_log
from apps.reports.models import ManagerScope


@admin.register(ManagerScope)
class ManagerScopeAdmin(SiteAdmin):
    list_display = ["user", "scope", "updated_at"]
    list_filter = ["scope"]
    search_fields = ["user__username", "user__display_name", "user__email"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        # Who may see which department's figures is security-relevant: keep it in the audit log.
        audit_log(
            action="reports.scope_changed",
            actor=request.user,
            target=obj.user,
            data={"scope": obj.scope},
            ip_address=request.META.get("REMOTE_ADDR"),
        )
