"""Django admin is the Admin role's tool for the site itself: the directory (users, their
roles, departments), configuration (reference lists, canned replies, report scopes) and
read-only operational records (audit log, outgoing mail, search log).

Content people write — ideas, votes, support requests, replies, notifications — is not
here: in the portal an administrator has a member of staff's rights over it (drafts stay
private, hidden counts hidden, a rating is the requester's), and Django admin would go
around those rules. Nobody is a superuser; every model admin asks the Admin role's
permission (`accounts.open_admin`) through `SiteAdmin`.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.leavers import user_leave, user_return
from apps.accounts.models import Department, DepartmentLineage, DepartmentMembership, User
from apps.accounts.roles import Role
from apps.accounts.services import memberships_apply, user_roles_set
from apps.core.models import AuditEntry


class SiteAdminMixin:
    """Open to the Admin role only; `read_only` admins list and show, never write."""

    read_only = False

    def _may(self, request) -> bool:
        return request.user.has_perm("accounts.open_admin")

    def has_module_permission(self, request) -> bool:
        return self._may(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._may(request)

    def has_add_permission(self, request, *args) -> bool:
        return not self.read_only and self._may(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return not self.read_only and self._may(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self.read_only and self._may(request)


class SiteAdmin(SiteAdminMixin, admin.ModelAdmin):
    pass


class ReadOnlyAdmin(SiteAdmin):
    read_only = True


# Roles are groups, set through user_roles_set (the user form below); a group's own
# admin would let someone grant Django model permissions, which the portal never reads.
admin.site.unregister(Group)


@admin.register(Department)
class DepartmentAdmin(SiteAdmin):
    list_display = ["code", "name_ja", "name_en", "level", "parent", "coe_contact", "is_active", "valid_until"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name_ja", "name_en", "kana"]
    # Reorganisations (renames that keep the row, merges, splits) go through the organisation
    # chart import on the directory page, which records the lineage; here single corrections.
    autocomplete_fields = ["coe_contact", "parent"]


@admin.register(DepartmentMembership)
class DepartmentMembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "department", "valid_from", "valid_until", "source"]
    list_filter = ["source"]
    search_fields = ["user__username", "user__display_name", "department__name_ja", "department__code"]
    list_select_related = ["user", "department"]


@admin.register(DepartmentLineage)
class DepartmentLineageAdmin(ReadOnlyAdmin):
    list_display = ["effective_on", "kind", "predecessor", "successor", "is_primary", "old_name_ja", "source"]
    list_filter = ["kind"]
    list_select_related = ["predecessor", "successor"]


@admin.register(User)
class UserAdmin(SiteAdminMixin, BaseUserAdmin):
    list_display = ["username", "display_name", "department", "job_title", "is_active"]
    list_filter = ["groups", "is_active", "department"]
    search_fields = ["username", "display_name", "display_name_kana", "email", "employee_number"]
    # No superuser, staff or model-permission fields: the roles (groups) decide everything.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Roles"), {"fields": ("is_active", "groups", "is_demo")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        (
            _("Portal profile"),
            {"fields": ("display_name", "display_name_kana", "department", "job_title", "employee_number", "language")},
        ),
    )
    filter_horizontal = ["groups"]
    # Set by seed_demo only: the demo picker signs in as these accounts (never as another).
    readonly_fields = ["is_demo"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.filter(name__in=Role.values).order_by("name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        """Deactivating someone here is a leave like the directory sync's (their work handed
        on, sessions ended, no more mail); reactivating, a return; a new department, a
        transfer in the department history."""
        leaving = change and "is_active" in form.changed_data and not obj.is_active
        returning = change and "is_active" in form.changed_data and obj.is_active
        if leaving:
            obj.is_active = True  # user_leave makes the change, with everything that follows
        if returning:
            obj.is_active = False
        super().save_model(request, obj, form, change)
        if leaving:
            user_leave(user=obj, reason="admin", actor=request.user, source="admin")
        elif returning:
            user_return(user=obj, department=obj.department, actor=request.user, source="admin")
        elif "department" in form.changed_data and obj.is_active:
            memberships_apply(moves=[(obj.pk, obj.department_id)], on=timezone.localdate(), source="admin")

    def save_related(self, request, form, formsets, change) -> None:
        # Through the one service that sets roles: it keeps Django admin access in step
        # with the Admin role and writes the change to the audit log.
        groups = form.cleaned_data.pop("groups", None)
        super().save_related(request, form, formsets, change)
        if groups is not None:
            user_roles_set(user=form.instance, roles=[g.name for g in groups], source="admin", actor=request.user)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor", "target_repr", "ip_address"]
    list_filter = ["action"]
    search_fields = ["target_repr", "action"]
