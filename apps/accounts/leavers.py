"""People who leave (退職・異動で対象外) and come back.

`user_leave` deactivates a portal account: sessions ended, no more mail (the account is
inactive, and the notifications app drops what was waiting), not offered in any list of
people (those lists read active accounts only). Nothing they wrote is deleted; it stays
attributed to them by name. What they were *responsible for* is handed on by the feature
apps, which this app does not know: each registers a handler in its AppConfig.ready():

    from apps.accounts.leavers import leaver_handler_register
    leaver_handler_register("support", services.support_leaver_handle)

A handler receives a `Leaver` (the account, the department they left, who takes over, the
day) and calls its own app's services; it returns a short summary for the sync's list of
changes, or None. Handlers run inside the leaver's transaction: if one fails, nothing of
the leave is kept and the directory sync tries the person again next run.

Who takes over (`successor_find`): the COE contact of the leaver's department, else of the
nearest department above it, else a COE lead (the support app registers where leads are
found), never the leaver themself or an inactive account.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Department, User
from apps.accounts.services import memberships_apply
from apps.core.services import audit_log

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Leaver:
    user: User
    department: Department | None
    successor: User | None
    on: date
    reason: str
    actor: User | None = None


Handler = Callable[[Leaver], dict[str, Any] | None]

_handlers: dict[str, Handler] = {}
_lead_finders: list[Callable[[], Iterable[User]]] = []


def leaver_handler_register(key: str, handler: Handler) -> None:
    """Register (or replace) the handler a feature app runs for every leaver."""
    _handlers[key] = handler


def lead_finder_register(finder: Callable[[], Iterable[User]]) -> None:
    """Where COE leads are found (the support app knows who leads the COE)."""
    if finder not in _lead_finders:
        _lead_finders.append(finder)


def successor_find(user: User) -> User | None:
    """Who takes over what `user` owned: their department's COE contact (or the nearest
    department above it with one), else a COE lead."""
    seen: set[int] = set()
    department = Department.objects.filter(pk=user.department_id).select_related("coe_contact").first()
    while department is not None and department.pk not in seen:
        seen.add(department.pk)
        contact = department.coe_contact
        if contact is not None and contact.is_active and contact.pk != user.pk:
            return contact
        department = (
            Department.objects.filter(pk=department.parent_id).select_related("coe_contact").first()
            if department.parent_id
            else None
        )
    for finder in _lead_finders:
        for lead in sorted(finder(), key=lambda u: u.pk):
            if lead.is_active and lead.pk != user.pk:
                return lead
    return None


def user_leave(
    *, user: User, reason: str, on: date | None = None, actor: User | None = None, source: str = "directory"
) -> dict[str, Any] | None:
    """Deactivate a leaver and hand on what they owned. Returns a summary (the successor
    and what each app handed over), or None when the account was inactive already.

    One transaction: the account, the closed history row, every registered handler and
    the audit entry. Their sessions end after the commit (a rolled-back leave ends none)."""
    on = on or timezone.localdate()
    with transaction.atomic():
        locked = User.objects.select_for_update().filter(pk=user.pk, is_active=True).first()
        if locked is None:
            return None
        department = Department.objects.filter(pk=locked.department_id).first()
        successor = successor_find(locked)
        locked.is_active = False
        # Saved, not bulk-updated: lists of people cached by other apps are dropped on it.
        locked.save(update_fields=["is_active"])
        locked.__dict__.pop("roles", None)
        memberships_apply(moves=[(locked.pk, None)], on=on, source=source)
        leaver = Leaver(user=locked, department=department, successor=successor, on=on, reason=reason, actor=actor)
        handed: dict[str, Any] = {}
        for key, handler in _handlers.items():
            result = handler(leaver)
            if result:
                handed[key] = result
        summary = {
            "reason": reason,
            "successor": successor.get_full_name() if successor else "",
            "successor_id": successor.pk if successor else None,
            "handed_over": handed,
        }
        audit_log(action="directory.user_left", actor=actor, target=locked, data={**summary, "source": source})
        if source != "directory":
            _forget_sync_leave(locked)
        user_id = locked.pk
        transaction.on_commit(lambda: sessions_end(user_ids=[user_id]))
    user.is_active = False
    user.__dict__.pop("roles", None)
    return summary


def user_return(
    *,
    user: User,
    department: Department | None,
    on: date | None = None,
    actor: User | None = None,
    source: str = "directory",
) -> bool:
    """Reactivate a returning person (再任用, re-hire): active again, in `department` from
    `on`. What was handed on when they left stays with its new owners."""
    on = on or timezone.localdate()
    with transaction.atomic():
        locked = User.objects.select_for_update().filter(pk=user.pk, is_active=False).first()
        if locked is None:
            return False
        locked.is_active = True
        fields = ["is_active"]
        if department is not None and locked.department_id != department.pk:
            locked.department = department
            fields.append("department")
        locked.save(update_fields=fields)
        locked.__dict__.pop("roles", None)
        if locked.department_id:
            memberships_apply(moves=[(locked.pk, locked.department_id)], on=on, source=source)
        audit_log(
            action="directory.user_returned",
            actor=actor,
            target=locked,
            data={"department": locked.department_id, "source": source},
        )
        if source != "directory":
            _forget_sync_leave(locked)
    user.is_active, user.department_id = True, locked.department_id
    user.__dict__.pop("roles", None)
    return True


def _forget_sync_leave(user: User) -> None:
    """An administrator's leave or return overrides the sync's: the sync re-hires only people
    it deactivated itself, and this person is no longer one."""
    from apps.accounts.models import DirectoryEntry

    DirectoryEntry.objects.filter(user=user).update(left_at=None, left_reason="")


def sessions_end(*, user_ids: Iterable[int]) -> int:
    """End every session of these accounts (the database rows and, with `cached_db`, the
    cached copies). An inactive account is refused on its next request anyway (the sign-in
    backends load active accounts only); this also drops what the session held. One pass
    over the unexpired sessions, however many people leave in a run."""
    wanted = {str(pk) for pk in user_ids}
    if not wanted:
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=2000):
        try:
            owner = session.get_decoded().get("_auth_user_id")
        except Exception:  # a session that does not decode belongs to nobody we look for
            continue
        if owner in wanted:
            store(session_key=session.session_key).delete()
            ended += 1
    return ended
