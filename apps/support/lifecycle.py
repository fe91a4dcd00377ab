"""The support request lifecycle as data, like Request Tracker's lifecycles.

    new → triaged → in progress ⇄ waiting on requester → resolved → closed
    resolved → in progress (reopen, within SUPPORT_REOPEN_DAYS), new/triaged → cancelled

`TRANSITIONS[from][to]` says who may make the move (roles of the actor *for this
request*, see `apps.support.rules.actor_roles`), whether a comment is required and what
the button says. `apps.support.services.support_request_transition` is the only code
that changes a status; the tests walk every (from, to, role) triple of this table.

Targets in business days per priority also live here (not in the environment: they
are part of the service the COE promises, and reports compare against them).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.core.business_days import add_business_days
from apps.support.models import Priority, Status

REQUESTER = "requester"  # the person who asked
COE = "coe"  # a COE member (an administrator is not one by being an administrator)
MANAGER = "manager"  # a manager of the request's department (or a department above it)
SYSTEM = "system"  # the scheduler, acting for nobody
ROLES = (REQUESTER, COE, MANAGER, SYSTEM)

# Guards: extra conditions on the request itself, checked by the service.
REOPEN_WINDOW = "reopen_window"


@dataclass(frozen=True)
class Transition:
    roles: frozenset[str]
    label: str | Promise
    requires_comment: bool = False
    comment_label: str | Promise = field(default=_("Comment"))
    guard: str = ""


def _t(roles: set[str], label, **kwargs) -> Transition:
    return Transition(roles=frozenset(roles), label=label, **kwargs)


_ASK = {
    "requires_comment": True,
    "comment_label": _("Your question to the requester (they will see it)"),
}
_RESOLVE = {
    "requires_comment": True,
    "comment_label": _("Resolution summary (the requester will see it)"),
}

S = Status
TRANSITIONS: dict[str, dict[str, Transition]] = {
    S.NEW: {
        S.TRIAGED: _t({COE}, _("Mark as triaged")),
        S.IN_PROGRESS: _t({COE}, _("Start work")),
        S.WAITING: _t({COE}, _("Ask the requester"), **_ASK),
        S.RESOLVED: _t({COE}, _("Resolve"), **_RESOLVE),
        S.CANCELLED: _t({REQUESTER}, _("Cancel my request")),
    },
    S.TRIAGED: {
        S.IN_PROGRESS: _t({COE}, _("Start work")),
        S.WAITING: _t({COE}, _("Ask the requester"), **_ASK),
        S.RESOLVED: _t({COE}, _("Resolve"), **_RESOLVE),
        S.CANCELLED: _t({REQUESTER}, _("Cancel my request")),
    },
    S.IN_PROGRESS: {
        S.WAITING: _t({COE}, _("Ask the requester"), **_ASK),
        S.RESOLVED: _t({COE}, _("Resolve"), **_RESOLVE),
    },
    S.WAITING: {
        # The requester's answer is a reply; replying while waiting makes this move.
        S.IN_PROGRESS: _t(
            {COE, REQUESTER},
            _("Resume work"),
            requires_comment=True,
            comment_label=_("The requester's answer, or why work resumes"),
        ),
        S.RESOLVED: _t({COE}, _("Resolve"), **_RESOLVE),
    },
    S.RESOLVED: {
        S.CLOSED: _t({COE, REQUESTER, SYSTEM}, _("Close")),
        S.IN_PROGRESS: _t(
            {COE, REQUESTER},
            _("Reopen"),
            requires_comment=True,
            comment_label=_("What is still missing"),
            guard=REOPEN_WINDOW,
        ),
    },
    S.CLOSED: {},
    S.CANCELLED: {},
}


def transition_get(from_status: str, to_status: str) -> Transition | None:
    return TRANSITIONS.get(from_status, {}).get(to_status)


def transitions_from(from_status: str, roles: set[str] | frozenset[str]) -> list[tuple[str, Transition]]:
    """The moves these roles may make from a status, in the table's order."""
    return [(to, t) for to, t in TRANSITIONS.get(from_status, {}).items() if t.roles & roles]


def reopen_window() -> timedelta:
    return timedelta(days=settings.SUPPORT_REOPEN_DAYS)


# --- targets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    first_response_days: int
    resolution_days: int


# Business days (apps.core.business_days): due at the end of the Nth office day after the request.
TARGETS: dict[int, Target] = {
    Priority.URGENT: Target(first_response_days=1, resolution_days=3),
    Priority.HIGH: Target(first_response_days=2, resolution_days=5),
    Priority.NORMAL: Target(first_response_days=3, resolution_days=10),
    Priority.LOW: Target(first_response_days=5, resolution_days=20),
}


def near_until(now):
    """A due moment before this is “near”: one due by the end of the current office day (of
    the next one, on a day off). Lists flag such requests; the scheduled job warns about them.

    This is the first moment after that day, not its last second: due moments are that last
    second (23:59:59), and a request due at the end of today is near."""
    return add_business_days(now, 0) + timedelta(seconds=1)
