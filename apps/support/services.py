"""Writes for support requests. Every change of status goes through
`support_request_transition` (via `_transition_locked`), which checks the lifecycle
table (apps.support.lifecycle), the actor's role for this request, the comment and the
version the actor saw, and records who, when, from and to.

A rule that refuses an action raises `RuleError` with a translated message and an
HTTP status (views show it as such, never as a 500). A change made from an outdated
version raises `SupportConflict` (409); the refused attempt is written to the request's
history in its own transaction, so the history shows both the winner and the loser.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.leavers import Leaver
from apps.accounts.models import Department, User
from apps.accounts.roles import Role
from apps.core.business_days import add_business_days, is_office_day
from apps.core.exceptions import RuleError
from apps.core.services import audit_log, person_lock, recent_repeat
from apps.core.uploads import MAX_FILES, KeptFile, PreparedUpload, attachment_store
from apps.notifications.services import notification_send
from apps.support import lifecycle, selectors
from apps.support.models import (
    CLOCK_STATUSES,
    OPEN_STATUSES,
    Attachment,
    CannedReply,
    Deflection,
    Kind,
    MemberProfile,
    MemberSkill,
    Priority,
    Reply,
    RequestEvent,
    RequestLink,
    Skill,
    Status,
    SupportRequest,
)
from apps.support.rules import actor_roles

Event = RequestEvent
# The target clock stops in these statuses (waiting on the requester; resolved until reopened).
PAUSED_STATUSES = (Status.WAITING, Status.RESOLVED)


class SupportConflict(RuleError):
    """Somebody changed the request after the actor loaded it; nothing was saved."""

    def __init__(self, message: str, *, current_version: int):
        super().__init__(message, code="conflict", status=409)
        self.current_version = current_version


# --- helpers -------------------------------------------------------------------------------


def request_url(request: SupportRequest) -> str:
    return reverse("support:detail", args=[request.pk])


def _coe_members():
    return User.objects.filter(groups__name=Role.COE, is_active=True).only("pk", "email", "is_active")


def _lock(request_id: int) -> SupportRequest:
    request = SupportRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise RuleError(_("This support request does not exist."), code="not_found", status=404)
    return request


def _status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


def _check_version(request: SupportRequest, expected_version: int) -> None:
    if request.version == expected_version:
        return
    last = (
        RequestEvent.objects.filter(request=request, outcome=Event.Outcome.APPLIED)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    name = last.actor.get_full_name() if last is not None and last.actor is not None else _("someone")
    raise SupportConflict(
        _(
            "%(name)s changed this request while you were looking at it; it is now “%(status)s”. "
            "Nothing of yours was saved: please check the request and try again."
        )
        % {"name": name, "status": _status_label(request.status)},
        current_version=request.version,
    )


def _status_at_version(request_id: int, version: int) -> str:
    """The status the request had at a version (what a conflicting actor was looking at)."""
    status = ""
    for data, to_status in (
        RequestEvent.objects.filter(request_id=request_id, outcome=Event.Outcome.APPLIED)
        .exclude(to_status="")
        .order_by("created_at", "id")
        .values_list("data", "to_status")
    ):
        if (data or {}).get("version", 0) <= version:
            status = to_status
    return status


def _record_conflict(
    *, request_id: int, actor: User | None, action: str, expected_version: int, to_status: str = "", comment: str = "",
    data: dict | None = None,
) -> None:  # fmt: skip
    """Write the refused attempt in a transaction of its own (the attempt's was rolled back)."""
    with transaction.atomic():
        current = SupportRequest.objects.filter(pk=request_id).values("status", "version").first()
        if current is None:
            return
        RequestEvent.objects.create(
            request_id=request_id,
            actor=actor,
            action=action,
            from_status=_status_at_version(request_id, expected_version) or current["status"],
            to_status=to_status,
            outcome=Event.Outcome.CONFLICT,
            comment=comment,
            data={
                "expected_version": expected_version,
                "current_version": current["version"],
                "current_status": current["status"],
                **(data or {}),
            },
        )


def _pauses(request: SupportRequest, now: datetime) -> list[tuple[datetime, datetime]]:
    """When the clock stood still: from entering a paused status to leaving it."""
    intervals, start = [], None
    if request.pk is None:
        return intervals
    transitions = (
        RequestEvent.objects.filter(request=request, action=Event.Action.TRANSITION, outcome=Event.Outcome.APPLIED)
        .order_by("created_at", "id")
        .values_list("created_at", "to_status")
    )
    for at, to_status in transitions:
        if to_status in PAUSED_STATUSES and start is None:
            start = at
        elif to_status not in PAUSED_STATUSES and start is not None:
            intervals.append((start, at))
            start = None
    if start is not None and start < now:
        intervals.append((start, now))  # still paused: the dues as if the clock restarted now
    return intervals


def targets_recompute(request: SupportRequest, now: datetime) -> None:
    """Set the due moments from the creation time, the priority's targets and the pauses."""
    target = lifecycle.TARGETS[request.priority]
    pauses = _pauses(request, now)
    request.first_response_due_at = add_business_days(request.created_at, target.first_response_days, pauses)
    request.resolution_due_at = add_business_days(request.created_at, target.resolution_days, pauses)
    request.due_refresh()


def _attach(
    *, request: SupportRequest, reply: Reply | None, actor: User, uploads: Sequence[PreparedUpload | UploadedFile],
    kept: Sequence[KeptFile], internal: bool,
) -> None:  # fmt: skip
    if len(uploads) + len(kept) > MAX_FILES:
        raise RuleError(
            _("At most %(max)d files can be attached at once.") % {"max": MAX_FILES}, code="too_many_files", status=400
        )
    for upload in [*uploads, *kept]:
        try:
            attachment_store(Attachment(request=request, reply=reply, internal=internal, uploaded_by=actor), upload)
        except ValidationError as exc:
            raise RuleError(" ".join(exc.messages), code="bad_file", status=400) from exc


def _notify(
    recipients: Iterable[User | None], kind: str, request: SupportRequest, actor: User | None, **params
) -> None:
    users = [u for u in recipients if u is not None]
    if users:
        notification_send(
            recipients=users,
            kind=kind,
            params={"title": request.title, **params},
            url=request_url(request),
            actor=actor,
        )


def _is_coe_side(actor: User | None, request: SupportRequest) -> bool:
    """A COE member acting for the COE (not on a request of their own)."""
    return actor is not None and lifecycle.COE in actor_roles(actor, request) and actor.pk != request.requester_id


# --- creating --------------------------------------------------------------------------------


def support_request_create(
    *,
    requester: User,
    kind: str,
    title: str,
    description: str,
    department: Department | None = None,
    desired_date=None,
    people_involved: str = "",
    attachments: Sequence[UploadedFile] = (),
    kept_files: Sequence[KeptFile] = (),
    priority: int = Priority.NORMAL,
    actor: User | None = None,
    idea_id: int | None = None,
    idea_url: str = "",
    now: datetime | None = None,
) -> SupportRequest:
    """A new request in the COE's queue, its targets set from the priority; the COE is told."""
    now = now or timezone.now()
    title, description = (title or "").strip(), (description or "").strip()
    if kind not in Kind.values:
        raise RuleError(_("Choose the kind of support you need."), code="bad_kind", status=400)
    if not title or not description:
        raise RuleError(_("A request needs a title and a description."), code="empty", status=400)
    if priority not in Priority.values:
        raise RuleError(_("Unknown priority."), code="bad_priority", status=400)
    department = department or requester.department
    if department is None:
        raise RuleError(_("Choose the department that asks."), code="no_department", status=400)
    actor = actor or requester
    with transaction.atomic():
        person_lock(actor)
        repeat = recent_repeat(
            SupportRequest.objects.filter(
                requester=requester, kind=kind, title=title[:200], description=description, idea_id=idea_id
            ),
            now=now,
        )
        if repeat is not None:
            return repeat
        request = SupportRequest(
            kind=kind,
            title=title[:200],
            description=description,
            department=department,
            requester=requester,
            desired_date=desired_date,
            people_involved=(people_involved or "").strip()[:300],
            priority=priority,
            idea_id=idea_id,
            idea_url=idea_url,
            created_at=now,
            updated_at=now,
        )
        targets_recompute(request, now)  # no events yet: no pauses
        request.save()
        RequestEvent.objects.create(
            request=request,
            actor=actor,
            action=Event.Action.CREATED,
            to_status=Status.NEW,
            data={"version": 1, **({"idea_id": idea_id} if idea_id else {})},
            created_at=now,
        )
        _attach(request=request, reply=None, actor=actor, uploads=attachments, kept=kept_files, internal=False)
        _notify(_coe_members(), "support_new", request, actor)
    return request


def support_request_create_from_idea(
    *, idea_id: int, actor: User, kind: str = Kind.OTHER, priority: int = Priority.NORMAL, now: datetime | None = None
) -> SupportRequest:
    """Hand a winning (published) idea to the COE as a support request from its author's
    department. Reads the idea through apps.ideas only; at most one request per idea, so a
    second click returns the first request."""
    from django.http import Http404

    from apps.ideas import selectors as idea_selectors
    from apps.ideas.models import Idea

    if not actor.has_perm("support.create_from_idea"):
        raise RuleError(_("Only COE members can hand an idea to the COE."), code="forbidden", status=403)
    try:
        idea = idea_selectors.idea_get(idea_id)
    except Http404:
        raise RuleError(_("This idea does not exist."), code="not_found", status=404) from None
    if idea.status != Idea.Status.APPROVED:
        raise RuleError(_("Only a published idea can be handed to the COE."), code="not_published")
    existing = SupportRequest.objects.filter(idea_id=idea.pk).first()
    if existing is not None:
        return existing
    idea_url = reverse("ideas:idea_detail", args=[idea.pk])
    parts = [idea.summary, idea.body, _("From the idea “%(title)s”: %(url)s") % {"title": idea.title, "url": idea_url}]
    try:
        with transaction.atomic():
            request = support_request_create(
                requester=idea.author,
                kind=kind,
                title=idea.title,
                description="\n\n".join(p for p in parts if p),
                department=idea.department or idea.author.department,
                priority=priority,
                actor=actor,
                idea_id=idea.pk,
                idea_url=idea_url,
                now=now,
            )
            _notify([idea.author], "support_from_idea", request, actor)
    except IntegrityError:
        # Another click made it in the meantime (one request per idea).
        existing = SupportRequest.objects.filter(idea_id=idea.pk).first()
        if existing is None:
            raise
        return existing
    return request


# --- the lifecycle ---------------------------------------------------------------------------


def support_request_transition(
    *,
    request_id: int,
    actor: User | None,
    to_status: str,
    comment: str = "",
    expected_version: int,
    now: datetime | None = None,
) -> SupportRequest:
    """Move a request to another status if the lifecycle table allows it for the actor's
    role on this request, with the comment it requires, from the version the actor saw."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            request = _lock(request_id)
            _check_version(request, expected_version)
            _transition_locked(request, actor=actor, to_status=to_status, comment=comment, now=now)
    except SupportConflict:
        _record_conflict(
            request_id=request_id,
            actor=actor,
            action=Event.Action.TRANSITION,
            expected_version=expected_version,
            to_status=to_status,
            comment=comment,
        )
        raise
    return request


def _transition_locked(
    request: SupportRequest,
    *,
    actor: User | None,
    to_status: str,
    comment: str,
    now: datetime,
    with_reply: bool = True,
    notify: bool = True,
) -> None:
    """The one place a status changes. The caller holds the row lock."""
    if to_status not in Status.values:
        raise RuleError(_("Unknown status."), code="bad_status", status=400)
    spec = lifecycle.transition_get(request.status, to_status)
    if spec is None:
        raise RuleError(
            _("A request that is “%(from)s” cannot become “%(to)s”.")
            % {"from": _status_label(request.status), "to": _status_label(to_status)},
            code="not_allowed",
            status=409,
        )
    if not (actor_roles(actor, request) & spec.roles):
        raise RuleError(
            _("You may not make this change (“%(action)s”) to this request.") % {"action": spec.label},
            code="forbidden",
            status=403,
        )
    comment = (comment or "").strip()
    if spec.requires_comment and not comment:
        raise RuleError(
            _("“%(action)s” needs a comment: %(what)s.") % {"action": spec.label, "what": spec.comment_label},
            code="comment_required",
            status=400,
        )
    if spec.guard == lifecycle.REOPEN_WINDOW and (
        request.resolved_at is None or now > request.resolved_at + lifecycle.reopen_window()
    ):
        raise RuleError(
            _("A request can be reopened within %(days)d days of its resolution. Please send a new request instead.")
            % {"days": lifecycle.reopen_window().days},
            code="reopen_window",
            status=409,
        )

    from_status = request.status
    request.status = to_status
    if from_status == Status.WAITING:
        request.waiting_since = None
    if to_status == Status.WAITING:
        request.waiting_since = now
    if to_status == Status.RESOLVED:
        request.resolved_at = now
        request.resolution_summary = comment
    if from_status == Status.RESOLVED and to_status == Status.IN_PROGRESS:
        request.reopen_count += 1
        request.resolved_at = None
    if to_status in (Status.CLOSED, Status.CANCELLED):
        request.closed_at = now
    if comment and request.first_responded_at is None and _is_coe_side(actor, request):
        request.first_responded_at = now
    request.version += 1
    request.updated_at = now
    RequestEvent.objects.create(
        request=request,
        actor=actor,
        action=Event.Action.TRANSITION,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        data={"version": request.version},
        created_at=now,
    )
    if comment and with_reply and actor is not None:
        # Transition comments are public: they are what the requester is told.
        Reply.objects.create(request=request, author=actor, body=comment, status_change=to_status, created_at=now)
    targets_recompute(request, now)
    request.save()
    if notify:
        _notify_transition(request, actor, from_status, to_status)


def _notify_transition(request: SupportRequest, actor: User | None, from_status: str, to_status: str) -> None:
    if to_status == Status.WAITING:
        _notify([request.requester], "support_waiting", request, actor)
    elif to_status == Status.RESOLVED:
        _notify([request.requester], "support_resolved", request, actor)
    elif from_status == Status.RESOLVED and to_status == Status.IN_PROGRESS:
        _notify([request.assignee] if request.assignee_id else _coe_members(), "support_reopened", request, actor)
    elif to_status == Status.CANCELLED:
        _notify([request.assignee], "support_cancelled", request, actor)
    elif from_status == Status.WAITING and to_status == Status.IN_PROGRESS and not _is_coe_side(actor, request):
        _notify([request.assignee] if request.assignee_id else _coe_members(), "support_reply", request, actor)


def _check_assignee(assignee: User | None) -> None:
    if assignee is not None and not (assignee.is_active and assignee.has_role(Role.COE)):
        raise RuleError(_("Requests can be assigned to COE members only."), code="bad_assignee", status=400)


def _require_coe(actor: User, request: SupportRequest | None = None) -> None:
    if not actor.has_perm("support.triage", request):
        raise RuleError(_("Only COE members can triage requests."), code="forbidden", status=403)


def _assign_locked(request: SupportRequest, *, actor: User, assignee: User | None, now: datetime) -> bool:
    """Set the assignee (recording it); a new request that gets one is triaged by it."""
    if (assignee.pk if assignee else None) == request.assignee_id:
        return False
    request.assignee = assignee
    RequestEvent.objects.create(
        request=request,
        actor=actor,
        action=Event.Action.ASSIGNED,
        data={
            "assignee_id": assignee.pk if assignee else None,
            "assignee": assignee.get_full_name() if assignee else "",
        },
        created_at=now,
    )
    if assignee is not None:
        _notify([assignee], "support_assigned", request, actor)
    return True


def _save_change(request: SupportRequest, *, actor: User, now: datetime) -> None:
    """Finish a change that is not a transition: a new request gets triaged by getting an
    assignee (through the lifecycle), anything else just bumps the version."""
    if request.status == Status.NEW and request.assignee_id:
        _transition_locked(request, actor=actor, to_status=Status.TRIAGED, comment="", now=now)
        return
    request.version += 1
    request.updated_at = now
    targets_recompute(request, now)
    request.save()


def support_request_triage(
    *,
    request_id: int,
    actor: User,
    assignee: User | None,
    priority: int,
    expected_version: int,
    now: datetime | None = None,
) -> SupportRequest:
    """Set assignee and priority in one change (targets follow the priority). Assigning a
    new request moves it to “triaged” through the lifecycle."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            request = _lock(request_id)
            _require_coe(actor, request)
            _check_version(request, expected_version)
            if priority not in Priority.values:
                raise RuleError(_("Unknown priority."), code="bad_priority", status=400)
            _check_assignee(assignee)
            changed = False
            if priority != request.priority:
                RequestEvent.objects.create(
                    request=request,
                    actor=actor,
                    action=Event.Action.PRIORITY,
                    data={"from": request.priority, "to": priority},
                    created_at=now,
                )
                request.priority = priority
                changed = True
            changed = _assign_locked(request, actor=actor, assignee=assignee, now=now) or changed
            if changed:
                _save_change(request, actor=actor, now=now)
    except SupportConflict:
        _record_conflict(
            request_id=request_id,
            actor=actor,
            action=Event.Action.ASSIGNED,
            expected_version=expected_version,
            data={
                "assignee_id": assignee.pk if assignee else None,
                "assignee": assignee.get_full_name() if assignee else "",
                "priority": priority,
            },
        )
        raise
    return request


def support_requests_assign(
    *, request_ids: Sequence[int], actor: User, assignee: User | None, now: datetime | None = None
) -> int:
    """Bulk assignment from the queue: the chosen open requests get the assignee (new ones
    are triaged by it). Deliberately without a version check: the queue shows no version,
    and re-assigning is what the person asked for. Returns how many changed."""
    now = now or timezone.now()
    _require_coe(actor)
    _check_assignee(assignee)
    changed = 0
    with transaction.atomic():
        # Locked in id order, so two bulk assignments cannot deadlock each other.
        for request in (
            SupportRequest.objects.select_for_update()
            .filter(pk__in=list(request_ids), status__in=OPEN_STATUSES)
            .order_by("pk")
        ):
            if _assign_locked(request, actor=actor, assignee=assignee, now=now):
                _save_change(request, actor=actor, now=now)
                changed += 1
    return changed


# --- the conversation ---------------------------------------------------------------------------


def support_reply_add(
    *,
    request_id: int,
    author: User,
    body: str,
    internal: bool = False,
    attachments: Sequence[UploadedFile] = (),
    kept_files: Sequence[KeptFile] = (),
    now: datetime | None = None,
) -> Reply:
    """Add a public reply or an internal note (COE only). A COE member's first public
    reply is the first response; the requester's reply while the COE waits on them
    resumes work (through the lifecycle). Notifications name the request only."""
    now = now or timezone.now()
    body = (body or "").strip()
    if not body:
        raise RuleError(_("Please write a message."), code="empty", status=400)
    with transaction.atomic():
        request = _lock(request_id)
        if not author.has_perm("support.view_request", request):
            raise RuleError(_("This support request does not exist."), code="not_found", status=404)
        if internal and not author.has_perm("support.add_internal_note", request):
            raise RuleError(_("Only COE members can write internal notes."), code="forbidden", status=403)
        if not internal and not author.has_perm("support.reply", request):
            raise RuleError(_("This request is closed. Please send a new request."), code="closed", status=409)
        repeat = recent_repeat(
            Reply.objects.filter(request=request, author=author, body=body, internal=internal), now=now
        )
        if repeat is not None:
            return repeat  # the same message sent twice: the request's row lock above lets the first one in first
        reply = Reply.objects.create(request=request, author=author, body=body, internal=internal, created_at=now)
        _attach(request=request, reply=reply, actor=author, uploads=attachments, kept=kept_files, internal=internal)
        coe_side = _is_coe_side(author, request)
        roles = actor_roles(author, request)
        if internal:
            if request.assignee_id:
                _notify([request.assignee], "support_internal_note", request, author)
            request.updated_at = now
            request.save(update_fields=["updated_at"])
            return reply
        if coe_side:
            if request.first_responded_at is None:
                request.first_responded_at = now
                request.due_refresh()
            request.updated_at = now
            request.save(update_fields=["first_responded_at", "due_at", "updated_at"])
            _notify([request.requester], "support_reply", request, author)
        elif request.status == Status.WAITING and lifecycle.REQUESTER in roles:
            _transition_locked(
                request, actor=author, to_status=Status.IN_PROGRESS, comment=body, now=now, with_reply=False,
                notify=False,
            )  # fmt: skip
            _notify([request.assignee] if request.assignee_id else _coe_members(), "support_reply", request, author)
        else:
            request.updated_at = now
            request.save(update_fields=["updated_at"])
            _notify([request.assignee] if request.assignee_id else _coe_members(), "support_reply", request, author)
    return reply


def _resolve_target(target_type: str, object_id: int, *, user: User) -> tuple[str, str]:
    """Title and URL of a knowledge article or case the user may open, else a rule error."""
    if target_type == RequestLink.Target.ARTICLE:
        from apps.knowledge.selectors import article_visible_to

        article = article_visible_to(user).filter(pk=object_id, status="published").only("pk", "title").first()
        if article is not None:
            return article.title, article.get_absolute_url()
    elif target_type == RequestLink.Target.CASE:
        from apps.cases.selectors import case_list_visible_to

        case = case_list_visible_to(user).filter(pk=object_id, visibility="published").only("pk", "title").first()
        if case is not None:
            return case.title, case.get_absolute_url()
    raise RuleError(_("That article or case does not exist or is not published."), code="bad_target", status=400)


def support_request_link_add(*, request_id: int, actor: User, target_type: str, object_id: int) -> RequestLink:
    """Point the requester to a published knowledge article or case."""
    with transaction.atomic():
        request = _lock(request_id)
        if not actor.has_perm("support.link_content", request):
            raise RuleError(_("Only COE members can link content here."), code="forbidden", status=403)
        title, url = _resolve_target(target_type, object_id, user=request.requester)
        link, created = RequestLink.objects.get_or_create(
            request=request,
            target_type=target_type,
            object_id=object_id,
            defaults={"title": title[:300], "url": url, "added_by": actor},
        )
        if created:
            RequestEvent.objects.create(
                request=request, actor=actor, action=Event.Action.LINKED,
                data={"target": target_type, "id": object_id, "title": title[:300]},
            )  # fmt: skip
            _notify([request.requester], "support_reply", request, actor)
    return link


def deflection_record(*, user: User, target_type: str, object_id: int, query: str = "", kind: str = "") -> Deflection:
    """“This answered my question”: count a request that did not need to be sent."""
    title, url = _resolve_target(target_type, object_id, user=user)
    return Deflection.objects.create(
        user=user,
        department=user.department,
        kind=kind if kind in Kind.values else "",
        query=(query or "")[:1000],
        target_type=target_type,
        object_id=object_id,
        title=title[:300],
        url=url,
    )


# --- after resolution -------------------------------------------------------------------------------


def support_request_rate(
    *, request_id: int, actor: User, rating: int, comment: str = "", now: datetime | None = None
) -> SupportRequest:
    """The requester's rating (1–5) of a resolved or closed request; may be changed later."""
    now = now or timezone.now()
    if rating not in range(1, 6):
        raise RuleError(_("Choose a rating from 1 to 5."), code="bad_rating", status=400)
    with transaction.atomic():
        request = _lock(request_id)
        if not actor.has_perm("support.rate", request):
            if request.requester_id != actor.pk:
                raise RuleError(_("Only the requester can rate the support."), code="forbidden", status=403)
            raise RuleError(_("A request can be rated once it is resolved."), code="not_resolved")
        request.rating, request.rating_comment, request.rated_at = rating, (comment or "").strip()[:2000], now
        request.save(update_fields=["rating", "rating_comment", "rated_at"])
        RequestEvent.objects.create(
            request=request, actor=actor, action=Event.Action.RATED, data={"rating": rating}, created_at=now
        )
        _notify([request.assignee], "support_rated", request, actor, rating=rating)
    return request


def _require_convert(actor: User, request: SupportRequest) -> None:
    if not actor.has_perm("support.convert", request):
        if not actor.has_perm("support.triage"):
            raise RuleError(_("Only COE members can do this."), code="forbidden", status=403)
        raise RuleError(_("This can be done once the request is resolved."), code="not_resolved")


def support_request_case_create(*, request_id: int, actor: User) -> SupportRequest:
    """Start a draft case from a resolved request (apps.cases keeps the link back);
    calling again returns the same case."""
    from apps.cases import services as case_services

    with transaction.atomic():
        request = _lock(request_id)
        _require_convert(actor, request)
        if request.case_id:
            return request
        summary = request.resolution_summary or request.description
        try:
            case = case_services.case_create_from_source(
                title=request.title,
                summary=summary[:600],
                department=request.department,
                source_kind="support_request",
                source_id=request.pk,
                source_url=request_url(request),
                author=actor,
                problem=request.description,
                approach=request.resolution_summary,
            )
        except ValidationError as exc:
            raise RuleError(" ".join(exc.messages), code="case_invalid", status=400) from exc
        request.case_id, request.case_url = case.pk, case.get_absolute_url()
        request.save(update_fields=["case_id", "case_url"])
        RequestEvent.objects.create(
            request=request, actor=actor, action=Event.Action.LINKED, data={"target": "case", "id": case.pk}
        )
    return request


def support_request_article_create(*, request_id: int, actor: User) -> SupportRequest:
    """Start a knowledge article draft from a resolved request: the question and the
    resolution summary only (never internal notes). The request keeps the link."""
    from apps.knowledge import services as knowledge_services

    with transaction.atomic():
        request = _lock(request_id)
        _require_convert(actor, request)
        if request.article_id:
            return request
        body = "\n\n".join(
            [
                "## " + _("Question"),
                request.description,
                "## " + _("Answer"),
                request.resolution_summary or _("(to be written)"),
            ]
        )
        try:
            article = knowledge_services.article_create(
                actor=actor,
                title=request.title,
                body=body,
                note=_("Drafted from support request %(ref)s") % {"ref": request.reference},
            )
        except PermissionDenied as exc:
            raise RuleError(_("You may not write knowledge articles."), code="forbidden", status=403) from exc
        request.article_id, request.article_url = article.pk, article.get_absolute_url()
        request.save(update_fields=["article_id", "article_url"])
        RequestEvent.objects.create(
            request=request, actor=actor, action=Event.Action.LINKED, data={"target": "article", "id": article.pk}
        )
    return request


# --- the COE's tools ---------------------------------------------------------------------------


def canned_reply_save(
    *, actor: User, canned: CannedReply | None = None, kind: str, title: str, body: str, is_active: bool = True
) -> CannedReply:
    if not actor.has_perm("support.manage_canned"):
        raise RuleError(_("Only COE members can manage canned replies."), code="forbidden", status=403)
    if kind and kind not in Kind.values:
        raise RuleError(_("Unknown kind of support."), code="bad_kind", status=400)
    if not (title or "").strip() or not (body or "").strip():
        raise RuleError(_("A canned reply needs a title and a text."), code="empty", status=400)
    canned = canned or CannedReply()
    canned.kind, canned.title, canned.body, canned.is_active = kind, title.strip()[:100], body.strip(), is_active
    canned.updated_by, canned.updated_at = actor, timezone.now()
    canned.save()
    _forget_after_commit(selectors.CANNED_KEY)
    return canned


def member_skills_set(*, actor: User, member: User, skills: Iterable[str], is_lead: bool) -> None:
    """Replace a COE member's declared skills and lead flag."""
    if not actor.has_perm("support.manage_members"):
        raise RuleError(_("Only COE members can change this."), code="forbidden", status=403)
    if not member.has_role(Role.COE):
        raise RuleError(_("Skills are declared for COE members only."), code="not_coe", status=400)
    wanted = {s for s in skills if s in Skill.values}
    with transaction.atomic():
        MemberSkill.objects.filter(user=member).exclude(skill__in=wanted).delete()
        have = set(MemberSkill.objects.filter(user=member).values_list("skill", flat=True))
        MemberSkill.objects.bulk_create([MemberSkill(user=member, skill=s) for s in sorted(wanted - have)])
        profile, _created = MemberProfile.objects.get_or_create(user=member)
        if profile.is_lead != is_lead:
            profile.is_lead = is_lead
            profile.save(update_fields=["is_lead"])
            audit_log(action="support.lead_changed", actor=actor, target=member, data={"is_lead": is_lead})
    _forget_after_commit(selectors.ASSIGNMENT_INPUTS_KEY)


def _forget_after_commit(key: str) -> None:
    """Drop a cached list now and when the transaction commits (a page in between may
    have cached the old one again)."""
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


# --- scheduled work --------------------------------------------------------------------------


def _leads() -> list[User]:
    return list(
        User.objects.filter(support_profile__is_lead=True, is_active=True, groups__name=Role.COE).only(
            "pk", "email", "is_active"
        )
    )


def support_targets_warn(*, now: datetime | None = None) -> int:
    """Warn the assignee and the COE leads (everybody in the COE if there are neither)
    about requests whose first-response or resolution target falls within the current
    office day, or has passed. Once per due moment: the claim is a conditional UPDATE, so
    a second run or worker finds it taken; a due moment moved by a pause warns again."""
    now = now or timezone.now()
    if not is_office_day(now):
        return 0
    limit = lifecycle.near_until(now)
    leads = _leads()
    sent = 0
    checks = (
        ("first_response_due_at", "first_response_warned_for", {"first_responded_at__isnull": True}),
        ("resolution_due_at", "resolution_warned_for", {}),
    )
    for due_field, guard_field, extra in checks:
        due = (
            SupportRequest.objects.filter(status__in=CLOCK_STATUSES, **{f"{due_field}__lte": limit}, **extra)
            .exclude(**{guard_field: F(due_field)})
            .select_related("assignee")
        )
        for request in due:
            with transaction.atomic():
                claimed = (
                    SupportRequest.objects.filter(pk=request.pk, **{due_field: getattr(request, due_field)})
                    .exclude(**{guard_field: F(due_field)})
                    .update(**{guard_field: F(due_field)})
                )
                if not claimed:
                    continue
                recipients = {u.pk: u for u in leads}
                if request.assignee_id:
                    recipients[request.assignee_id] = request.assignee
                _notify(list(recipients.values()) or _coe_members(), "support_target_warning", request, None)
                sent += 1
    return sent


def support_requests_close_resolved(*, now: datetime | None = None, batch: int = 500) -> int:
    """Close resolved requests whose reopen window has passed (the scheduler's “system” role)."""
    now = now or timezone.now()
    cutoff = now - lifecycle.reopen_window()
    closed = 0
    ids = list(
        SupportRequest.objects.filter(status=Status.RESOLVED, resolved_at__lt=cutoff).values_list("pk", flat=True)[
            :batch
        ]
    )
    for pk in ids:
        try:
            with transaction.atomic():
                request = _lock(pk)
                if request.status != Status.RESOLVED:
                    continue
                _transition_locked(request, actor=None, to_status=Status.CLOSED, comment="", now=now)
                closed += 1
        except RuleError:
            continue
    return closed


# --- people who leave ----------------------------------------------------------------------


def coe_leads() -> list[User]:
    """The active COE leads (the accounts app asks, to choose who takes over a leaver's work)."""
    return _leads()


def support_leaver_handle(leaver: Leaver) -> dict | None:
    """A COE member left (apps.accounts.leavers): their open requests go back to the triage
    queue unassigned — the status stays, the queue's “unassigned” view lists them — each with
    an entry in its history, and the COE leads are told (every COE member when there is no
    lead). Runs inside the leaver's transaction. Requests they asked for stay as they are."""
    now = timezone.now()
    name = leaver.user.get_full_name()
    released = []
    for request in (
        SupportRequest.objects.select_for_update()
        .filter(assignee_id=leaver.user.pk, status__in=OPEN_STATUSES)
        .order_by("pk")
    ):
        request.assignee = None
        RequestEvent.objects.create(
            request=request,
            actor=None,
            action=Event.Action.ASSIGNED,
            data={"assignee_id": None, "assignee": "", "left": name},
            created_at=now,
        )
        request.version += 1
        request.updated_at = now
        request.save(update_fields=["assignee", "version", "updated_at"])
        released.append(request)
    if not released:
        return None
    leads = [u for u in _leads() if u.pk != leaver.user.pk] or [u for u in _coe_members() if u.pk != leaver.user.pk]
    for request in released:
        _notify(leads, "support_released", request, None, name=name)
    _forget_after_commit(selectors.ASSIGNMENT_INPUTS_KEY)
    return {"requests": [request.pk for request in released]}
