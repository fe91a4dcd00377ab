from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from apps.accounts.leavers import leaver_handler_register
        from apps.core.home import HomePanel, home_panel_register
        from apps.core.navigation import NavItem, nav_register
        from apps.notifications import registry, services
        from apps.notifications.selectors import home_context

        registry.kind_register(
            registry.NotificationKind(
                key="announcement",
                label=_("Announcements from the COE"),
                message=_("New announcement: %(title)s"),
            )
        )
        # Nothing more is mailed to someone who left (apps.accounts.leavers).
        leaver_handler_register("notifications", services.notifications_leaver_handle)
        nav_register(NavItem("home", _("Home"), "core:home", "accounts.use_portal", order=0))
        nav_register(
            NavItem("announcements", _("Announcements"), "notifications:announcements", "accounts.use_portal", order=90)
        )
        home_panel_register(
            HomePanel(
                key="notifications",
                template="notifications/partials/home_panel.html",
                permission="accounts.use_portal",
                context=home_context,
                order=10,
            )
        )
