from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Department, User


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ja", "name_en", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name_ja", "name_en", "kana"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "department", "job_title", "is_active"]
    list_filter = ["groups", "is_active", "department"]
    search_fields = ["username", "display_name", "display_name_kana", "email", "employee_number"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Portal profile"),
            {"fields": ("display_name", "display_name_kana", "department", "job_title", "employee_number", "language")},
        ),
    )
