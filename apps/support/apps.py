from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "apps.support"
    label = "support"
    verbose_name = _("Support requests")

    def ready(self) -> None:
        # Not registered with apps.search on purpose. A request is private to its requester,
        # the managers of its department and the COE; the index's audiences (all staff / COE)
        # cannot say "this requester and that manager", and a COE-only document would still
        # have to leave internal notes out of every snippet. What a request teaches others
        # becomes public through "Create a case draft" / "Create a knowledge article draft",
        # which are indexed by their own apps; the queue has its own title filter.
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

        from apps.accounts.leavers import lead_finder_register, leaver_handler_register
        from apps.accounts.models import Department, User
        from apps.core.home import HomePanel, home_panel_register
        from apps.core.navigation import NavItem, nav_register
        from apps.notifications.registry import NotificationKind, kind_register
        from apps.support import services
        from apps.support.selectors import home_context
        from apps.support.signals import choice_lists_drop_changed, choice_lists_drop_user_saved

        post_save.connect(choice_lists_drop_user_saved, sender=User, dispatch_uid="support-choices-user")
        for name, signal, model in (
            ("user-deleted", post_delete, User),
            ("groups", m2m_changed, User.groups.through),
            ("group-deleted", pre_delete, Group),
            ("department", post_save, Department),
            ("department-deleted", post_delete, Department),
        ):
            signal.connect(choice_lists_drop_changed, sender=model, dispatch_uid=f"support-choices-{name}")

        # Every message names the request's title only: no reply text ever goes into a
        # notification (internal notes must not leak through e-mail or the bell).
        kinds = [
            ("support_new", _("Support: new requests in the queue (COE)"), _("New support request: %(title)s")),
            (
                "support_assigned",
                _("Support: requests assigned to me"),
                _("You were assigned the support request “%(title)s”."),
            ),
            (
                "support_reply",
                _("Support: replies on requests I take part in"),
                _("New reply on the support request “%(title)s”."),
            ),
            (
                "support_internal_note",
                _("Support: internal notes on requests I handle (COE)"),
                _("New internal note on the support request “%(title)s”."),
            ),
            (
                "support_waiting",
                _("Support: the COE is waiting for my answer"),
                _("The COE needs your answer on the support request “%(title)s”."),
            ),
            (
                "support_resolved",
                _("Support: my request was resolved"),
                _("Your support request “%(title)s” was resolved. Please check the answer and rate the support."),
            ),
            (
                "support_reopened",
                _("Support: a request I handle was reopened"),
                _("The support request “%(title)s” was reopened."),
            ),
            (
                "support_cancelled",
                _("Support: a request I handle was cancelled"),
                _("The support request “%(title)s” was cancelled by the requester."),
            ),
            (
                "support_target_warning",
                _("Support: target warnings (COE)"),
                _("The support request “%(title)s” is close to or past its target."),
            ),
            (
                "support_released",
                _("Support: requests back in the queue because their assignee left (COE)"),
                _("The support request “%(title)s” is back in the queue: %(name)s has left."),
            ),
            (
                "support_from_idea",
                _("Support: my idea was handed to the COE"),
                _("Your idea “%(title)s” was handed to the COE as a support request."),
            ),
        ]
        for key, label, message in kinds:
            kind_register(NotificationKind(key=key, label=label, message=message))
        kind_register(
            NotificationKind(
                key="support_rated",
                label=_("Support: ratings of requests I handled"),
                message=_("The support request “%(title)s” was rated %(rating)s out of 5."),
                default_email="digest",
            )
        )
        # A COE member who leaves: their open requests go back to the queue (apps.accounts.leavers).
        leaver_handler_register("support", services.support_leaver_handle)
        lead_finder_register(services.coe_leads)
        nav_register(NavItem("support", _("Support"), "support:my_requests", "support.ask", order=50))
        nav_register(NavItem("support_queue", _("Queue"), "support:queue", "support.view_queue", order=55))
        home_panel_register(
            HomePanel(
                key="support",
                template="support/partials/home_panel.html",
                permission="support.ask",
                context=home_context,
                order=50,
            )
        )
