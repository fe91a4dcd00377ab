from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed, post_migrate, pre_delete

        from apps.accounts.models import User
        from apps.accounts.roles import role_groups_ensure
        from apps.accounts.signals import roles_cache_drop, roles_cache_drop_group_deleted
        from apps.core.navigation import NavItem, nav_register

        # Groups are reference data: make them exist after every migrate.
        post_migrate.connect(role_groups_ensure, sender=self)
        m2m_changed.connect(roles_cache_drop, sender=User.groups.through)
        pre_delete.connect(roles_cache_drop_group_deleted, sender=Group)
        # Directory sync and organisation chart (administrators).
        nav_register(NavItem("directory", _("Directory"), "accounts:directory", "accounts.open_admin", order=95))
