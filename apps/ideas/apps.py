from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdeasConfig(AppConfig):
    name = "apps.ideas"
    label = "ideas"
    verbose_name = _("Idea challenges")

    def ready(self) -> None:
        from apps.core.home import HomePanel, home_panel_register
        from apps.core.navigation import NavItem, nav_register
        from apps.ideas.search import idea_document, idea_queryset
        from apps.ideas.selectors import home_context
        from apps.notifications.registry import NotificationKind, kind_register
        from apps.search.registry import SearchableType, searchable_register

        kinds = [
            (
                "idea_submitted",
                _("New ideas waiting for approval (COE)"),
                _("New idea waiting for approval: %(title)s"),
            ),
            ("idea_approved", _("My idea was approved"), _("Your idea “%(title)s” was approved and is now public.")),
            (
                "idea_returned",
                _("My idea was returned"),
                _("Your idea “%(title)s” was returned to you with a comment."),
            ),
            (
                "idea_coauthor_invited",
                _("Co-author invitations"),
                _("%(name)s invited you to co-author the idea “%(title)s”."),
            ),
            ("idea_commented", _("Comments on ideas I follow"), _("%(name)s commented on “%(title)s”.")),
            ("idea_answered", _("Official answers to ideas"), _("The COE answered “%(title)s”: %(status)s")),
            (
                "idea_merged",
                _("Ideas I voted for were merged"),
                _("“%(title)s”, which you voted for, was merged into “%(target)s”."),
            ),
            ("challenge_voting_open", _("Voting has opened"), _("Voting has opened in “%(title)s”.")),
            ("challenge_voting_closing", _("Voting closes soon"), _("Voting in “%(title)s” closes in two days.")),
            ("challenge_results", _("Challenge results"), _("The results of “%(title)s” are published.")),
        ]
        for key, label, message in kinds:
            kind_register(NotificationKind(key=key, label=label, message=message))
        searchable_register(
            SearchableType(
                key="idea",
                label=_("Idea"),
                model="ideas.Idea",
                document=idea_document,
                queryset=idea_queryset,
                order=30,
            )
        )
        nav_register(NavItem("ideas", _("Idea challenges"), "ideas:challenge_list", "accounts.use_portal", order=40))
        home_panel_register(
            HomePanel(
                key="ideas",
                template="ideas/partials/home_panel.html",
                permission="accounts.use_portal",
                context=home_context,
                order=40,
            )
        )
