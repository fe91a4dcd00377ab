from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.urls import register_converter

        from apps.core import checks  # noqa: F401 - registers the portal's system checks
        from apps.core.params import IdConverter

        # Before any URLconf is imported: every app's patterns use <id:pk>.
        register_converter(IdConverter, "id")
