"""Who may do what with support requests. Views, templates and services ask these names.

A request is private: its requester, the managers of its department (a manager of a 局
sees the requests of every 課 under it) and the COE see it; nobody else learns it exists.
Internal notes are for the COE only, wherever a request is shown. An administrator manages
the site, not the desk: for requests and ratings they have the rights of any member of staff,
so no rule here names the Admin role.
"""

import rules

from apps.accounts.rules import is_coe, is_manager, is_signed_in
from apps.support import lifecycle
from apps.support.models import Status


def managed_department_ids(user) -> frozenset[int]:
    """The departments a manager oversees: their own and every unit under it (cached on
    the user object for the request, so a list page asks the database once)."""
    cached = getattr(user, "_support_managed_ids", None)
    if cached is None:
        from apps.accounts.selectors import department_with_descendant_ids

        department = getattr(user, "department", None)
        cached = frozenset(department_with_descendant_ids(department)) if department is not None else frozenset()
        user._support_managed_ids = cached
    return cached


@rules.predicate
def is_requester(user, request) -> bool:
    return request is not None and request.requester_id == user.pk


@rules.predicate
def is_department_manager(user, request) -> bool:
    return request is not None and is_manager(user) and request.department_id in managed_department_ids(user)


@rules.predicate
def is_final(user, request) -> bool:
    return request is not None and request.status in (Status.CLOSED, Status.CANCELLED)


@rules.predicate
def is_done(user, request) -> bool:
    return request is not None and request.status in (Status.RESOLVED, Status.CLOSED)


can_view = is_signed_in & (is_requester | is_department_manager | is_coe)

rules.add_perm("support.ask", is_signed_in)
rules.add_perm("support.view_request", can_view)
rules.add_perm("support.view_queue", is_coe)
rules.add_perm("support.triage", is_coe)
rules.add_perm("support.view_internal", is_coe)
rules.add_perm("support.reply", can_view & ~is_final)
rules.add_perm("support.add_internal_note", is_coe)
rules.add_perm("support.rate", is_signed_in & is_requester & is_done)
rules.add_perm("support.convert", is_coe & is_done)
rules.add_perm("support.link_content", is_coe & ~is_final)
rules.add_perm("support.manage_canned", is_coe)
rules.add_perm("support.manage_members", is_coe)
rules.add_perm("support.export", is_coe | is_manager)
rules.add_perm("support.view_department", is_manager)
rules.add_perm("support.create_from_idea", is_coe)


def actor_roles(user, request) -> frozenset[str]:
    """The lifecycle roles (apps.support.lifecycle) a user holds for one request."""
    if user is None:
        return frozenset({lifecycle.SYSTEM})
    roles = set()
    if is_requester(user, request):
        roles.add(lifecycle.REQUESTER)
    if is_coe(user):
        roles.add(lifecycle.COE)
    if is_department_manager(user, request):
        roles.add(lifecycle.MANAGER)
    return frozenset(roles)
