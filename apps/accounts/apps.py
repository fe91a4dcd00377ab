from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from apps.accounts.roles import role_groups_ensure

        # Groups are reference data: make them exist after every migrate.
        post_migrate.connect(role_groups_ensure, sender=self)
