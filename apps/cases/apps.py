from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "apps.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from apps.accounts.leavers import leaver_handler_register
        from apps.cases import services
        from apps.cases.selectors import case_search_document, case_search_queryset, home_context
        from apps.core.home import HomePanel, home_panel_register
        from apps.core.navigation import NavItem, nav_register
        from apps.notifications.registry import NotificationKind, kind_register
        from apps.search.registry import SearchableType, searchable_register

        # A leaver's cases get their department's COE contact as contact (apps.accounts.leavers).
        leaver_handler_register("cases", services.cases_leaver_handle)
        kind_register(
            NotificationKind(
                key="cases_handed_over",
                label=_("Cases: cases were handed to you as contact"),
                message=_("Cases handed over to you as contact from %(from)s: %(count)s."),
            )
        )

        nav_register(NavItem("cases", _("Cases"), "cases:list", "accounts.use_portal", order=30))
        home_panel_register(
            HomePanel(
                key="cases",
                template="cases/partials/home_panel.html",
                permission="accounts.use_portal",
                context=home_context,
                order=30,
            )
        )
        searchable_register(
            SearchableType(
                key="case",
                label=_("Cases"),
                model="cases.Case",
                document=case_search_document,
                queryset=case_search_queryset,
                order=20,
            )
        )
