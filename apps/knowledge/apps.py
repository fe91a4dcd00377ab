from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "apps.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge")

    def ready(self) -> None:
        from apps.accounts.leavers import leaver_handler_register
        from apps.core.home import HomePanel, home_panel_register
        from apps.core.navigation import NavItem, nav_register
        from apps.knowledge import services
        from apps.knowledge.search import article_document, article_queryset
        from apps.knowledge.selectors import home_context
        from apps.notifications.registry import NotificationKind, kind_register
        from apps.search.registry import SearchableType, searchable_register

        for kind in (
            NotificationKind(
                key="article_review_requested",
                label=_("Knowledge: an article awaits review"),
                message=_("Please review the article “%(title)s”."),
            ),
            NotificationKind(
                key="article_published",
                label=_("Knowledge: your article was published"),
                message=_("Your article “%(title)s” was published."),
            ),
            NotificationKind(
                key="article_stale",
                label=_("Knowledge: your articles are past their review-by date"),
                message=_("Your articles past their review-by date: %(count)s (for example “%(title)s”)."),
                default_email="digest",
            ),
            NotificationKind(
                key="article_edit_suggested",
                label=_("Knowledge: an edit was suggested for your article"),
                message=_("An edit was suggested for “%(title)s”."),
            ),
            NotificationKind(
                key="article_suggestion_resolved",
                label=_("Knowledge: your edit suggestion was dealt with"),
                message=_("Your edit suggestion for “%(title)s” was dealt with."),
            ),
            NotificationKind(
                key="article_feedback",
                label=_("Knowledge: a reader commented on your article"),
                message=_("A reader commented on “%(title)s”."),
                default_email="digest",
            ),
            NotificationKind(
                key="articles_reassigned",
                label=_("Knowledge: articles were handed to you"),
                message=_("Articles handed over to you from %(from)s: %(count)s."),
            ),
        ):
            kind_register(kind)

        # A leaver's articles go to their department's COE contact (apps.accounts.leavers).
        leaver_handler_register("knowledge", services.knowledge_leaver_handle)
        searchable_register(
            SearchableType(
                key="article",
                label=_("Article"),
                model="knowledge.Article",
                document=article_document,
                queryset=article_queryset,
                order=10,
            )
        )
        nav_register(NavItem("knowledge", _("Knowledge"), "knowledge:list", "accounts.use_portal", order=20))
        home_panel_register(
            HomePanel(
                key="knowledge",
                template="knowledge/partials/home_panel.html",
                permission="accounts.use_portal",
                context=home_context,
                order=20,
            )
        )
