from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "apps.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from apps.core.navigation import NavItem, nav_register
        from apps.reports import checks  # noqa: F401 - registers the settings check

        nav_register(NavItem("reports", _("Reports"), "reports:dashboard", "reports.view_reports", order=60))
