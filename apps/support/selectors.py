"""Reads for support requests, shaped for each page so templates never query.

Internal notes: every selector that can serve the requester's side takes the viewer and
leaves internal replies and their files out unless the viewer may see them
(`support.view_internal`). Nothing that lists requests reads replies at all.

Targets: due moments are stored on the row. Lists filter on them in SQL (`target_filter`)
and flag the rows they show by comparing them with now (`models.target_state`),
so a list needs no business-day arithmetic per row.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language

from apps.accounts.models import Department, User, full_name
from apps.accounts.roles import Role
from apps.core.markdown import render_markdown
from apps.support import lifecycle
from apps.support.models import (
    CLOCK_STATUSES,
    KIND_SKILLS,
    NEXT_STEPS,
    OPEN_STATUSES,
    Attachment,
    CannedReply,
    MemberProfile,
    MemberSkill,
    Reply,
    RequestEvent,
    RequestLink,
    Skill,
    Status,
    SupportRequest,
    target_state,
)
from apps.support.rules import actor_roles, is_coe, managed_department_ids

BREACHED, NEAR = "breached", "near"
# Counts on the home page stop here ("99+"): counting every row is the slow part.
COUNT_CAP = 99


def target_filter(which: str, now: datetime | None = None) -> Q:
    now = now or timezone.now()
    limit = now if which == BREACHED else lifecycle.near_until(now)
    no_response = Q(first_responded_at__isnull=True)
    return Q(status__in=CLOCK_STATUSES) & (
        (no_response & Q(first_response_due_at__lt=limit)) | Q(resolution_due_at__lt=limit)
    )


# What a list row shows (apps.support.display): the rest of the request and of its people stays in the database.
_PEOPLE = ("display_name", "first_name", "last_name", "username")
LIST_FIELDS = (
    "kind", "title", "status", "priority", "created_at", "first_responded_at", "first_response_due_at",
    "resolution_due_at", "due_at", "department__name_ja", "department__name_en",
    *(f"requester__{f}" for f in _PEOPLE), *(f"assignee__{f}" for f in _PEOPLE),
)  # fmt: skip


def _list_base() -> QuerySet[SupportRequest]:
    return SupportRequest.objects.select_related("department", "requester", "assignee").only(*LIST_FIELDS)


def requests_visible_to(user: User) -> QuerySet[SupportRequest]:
    """Every request for the COE; otherwise the user's own and, for a manager, those of
    the departments they oversee."""
    requests = SupportRequest.objects.all()
    if is_coe(user):
        return requests
    visible = Q(requester=user)
    if user.has_role(Role.MANAGER):
        visible |= Q(department_id__in=managed_department_ids(user))
    return requests.filter(visible)


# --- lists --------------------------------------------------------------------------------

SORTS = {
    "due": ("due_at", "id"),
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "priority": ("-priority", "due_at", "id"),
    "updated": ("-updated_at", "-id"),
}
AGES = {"7": timedelta(days=7), "14": timedelta(days=14), "30": timedelta(days=30), "90": timedelta(days=90)}


@dataclass
class QueueFilters:
    status: str = "open"  # "open", "all" or a Status
    kind: str = ""
    priority: int | None = None
    department_id: int | None = None
    assignee: str = ""  # "", "me", "none" or a user id
    age: str = ""  # a key of AGES: older than
    target: str = ""  # "", "breached", "near" (includes breached)
    q: str = ""
    sort: str = "due"
    extra: dict = field(default_factory=dict)


def request_list_for_queue(user: User, filters: QueueFilters, now: datetime | None = None) -> QuerySet:
    """The COE's triage queue, filtered and sorted, with target flags."""
    now = now or timezone.now()
    requests = SupportRequest.objects.all()
    if filters.status == "open":
        requests = requests.filter(status__in=OPEN_STATUSES)
    elif filters.status in Status.values:
        requests = requests.filter(status=filters.status)
    if filters.kind:
        requests = requests.filter(kind=filters.kind)
    if filters.priority:
        requests = requests.filter(priority=filters.priority)
    if filters.department_id:
        requests = requests.filter(department_id=filters.department_id)
    if filters.assignee == "me":
        requests = requests.filter(assignee=user)
    elif filters.assignee == "none":
        requests = requests.filter(assignee__isnull=True)
    elif filters.assignee:  # a COE member's id (QueueFilterForm offers only those)
        requests = requests.filter(assignee_id=int(filters.assignee))
    if filters.age in AGES:
        requests = requests.filter(created_at__lt=now - AGES[filters.age])
    if filters.target in (BREACHED, NEAR):
        requests = requests.filter(target_filter(filters.target, now))
    if filters.q:
        requests = requests.filter(title__icontains=filters.q)
    return requests.order_by(*SORTS.get(filters.sort, SORTS["due"]))


def request_list_for_requester(user: User) -> QuerySet:
    """“My requests”: the user's own, newest first."""
    return SupportRequest.objects.filter(requester=user).order_by("-created_at", "-id")


def request_list_for_department(user: User) -> QuerySet:
    """A manager's view: every request of the departments they oversee."""
    ids = managed_department_ids(user) if user.has_role(Role.MANAGER) else frozenset()
    return SupportRequest.objects.filter(department_id__in=list(ids)).order_by("-created_at", "-id")


def export_rows(requests: QuerySet) -> QuerySet:
    """The rows of the CSV export: request facts and the public resolution summary, never
    a reply or an internal note."""
    return (
        requests.select_related("department", "requester", "assignee")
        .only(
            "pk", "kind", "title", "status", "priority", "created_at", "first_responded_at", "resolved_at",
            "closed_at", "first_response_due_at", "resolution_due_at", "rating", "resolution_summary",
            "department__name_ja", "department__name_en", "requester__display_name", "requester__username",
            "requester__first_name", "requester__last_name", "assignee__display_name", "assignee__username",
            "assignee__first_name", "assignee__last_name",
        )
    )  # fmt: skip


@dataclass
class Page:
    """A page of a list without counting it all: one row more than shown tells whether
    there is a next page (counting 100,000 requests is the slow part of a list)."""

    items: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


MAX_PAGE = 400


def page_of(queryset: QuerySet, number: str | int | None, size: int, *, now: datetime | None = None) -> Page:
    """One page of a request list in two steps: the ids of the page, found on the requests
    table alone (filters and order use only its columns and indexes), then those rows with
    what a row shows, flagged. Joined in one query, PostgreSQL joins every matching row
    before sorting and cutting the page."""
    try:
        number = max(1, min(int(number or 1), MAX_PAGE))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * size
    ids = list(queryset.values_list("pk", flat=True)[start : start + size + 1])
    found = {row[0]: row for row in SupportRequest.objects.filter(pk__in=ids[:size]).values_list(*_ITEM_VALUES)}
    english = (get_language() or "ja").startswith("en")
    now = now or timezone.now()
    near_until = lifecycle.near_until(now)
    items = []
    for pk in ids[:size]:
        if pk not in found:
            continue
        (_pk, kind, title, status, priority, created, responded, response_due, resolution_due, due, name_ja,
         name_en, requester, assignee_id, assignee) = _named(found[pk])  # fmt: skip
        item = ListItem(
            pk=pk, kind=kind, title=title, status=status, priority=priority, created_at=created,
            first_responded_at=responded, first_response_due_at=response_due, resolution_due_at=resolution_due,
            due_at=due, department_name=name_en if english and name_en else name_ja, requester_name=requester,
            assignee_id=assignee_id, assignee_name=assignee,
        )  # fmt: skip
        item.target_state = target_state(item, now, near_until)
        items.append(item)
    return Page(items=items, number=number, has_next=len(ids) > size)


_ITEM_VALUES = (
    "pk", "kind", "title", "status", "priority", "created_at", "first_responded_at", "first_response_due_at",
    "resolution_due_at", "due_at", "department__name_ja", "department__name_en",
    *(f"requester__{f}" for f in _PEOPLE), "assignee_id", *(f"assignee__{f}" for f in _PEOPLE),
)  # fmt: skip


def _named(row: tuple) -> tuple:
    # The people's name columns (see _PEOPLE) as one name each, as User.get_full_name() gives it.
    head, requester, assignee_id, assignee = row[:12], row[12:16], row[16], row[17:21]
    return (*head, full_name(*requester), assignee_id, full_name(*assignee) if assignee_id else "")


@dataclass
class ListItem:
    """A request as a row of a list shows it, from one query of plain values: building the
    page's 25 requests with their departments and people as model instances (~90 objects)
    was the largest part of the queue's time."""

    pk: int
    kind: str
    title: str
    status: str
    priority: int
    created_at: datetime
    first_responded_at: datetime | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    due_at: datetime | None
    department_name: str
    requester_name: str
    assignee_id: int | None
    assignee_name: str
    target_state: str = ""

    @property
    def reference(self) -> str:
        return f"#{self.pk}"

    @property
    def next_step(self) -> str:
        return str(NEXT_STEPS.get(self.status, ""))


# --- one request --------------------------------------------------------------------------


def request_get(pk: int) -> SupportRequest:
    """The request with what its page shows beside it."""
    request = (
        SupportRequest.objects.select_related("department", "requester__department", "assignee")
        .annotate(
            # Most requests have no files and no links: then their queries are not needed.
            has_files=Exists(Attachment.objects.filter(request_id=OuterRef("pk"))),
            has_links=Exists(RequestLink.objects.filter(request_id=OuterRef("pk"))),
        )
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404
    # One row: flagged from its stored due moments, like the rows of a list.
    now = timezone.now()
    request.target_state = request.target_state_at(now, lifecycle.near_until(now))
    return request


def request_for_user(user: User, pk: int) -> SupportRequest:
    """The request if the user may see it; 404 otherwise (its existence is not revealed)."""
    request = request_get(pk)
    if not user.has_perm("support.view_request", request):
        raise Http404
    return request


def conversation_for(request: SupportRequest, user: User) -> tuple[list[Reply], list[Attachment]]:
    """The conversation as this user may see it — internal notes and their files only for
    the COE — each reply with its `files`, and the request's own files: one query for the
    replies, one for every file of the request."""
    internal = user.has_perm("support.view_internal", request)
    replies = Reply.objects.filter(request=request).select_related("author")
    files = Attachment.objects.filter(request=request)
    if not internal:
        replies = replies.filter(internal=False)
        files = files.filter(internal=False)
    replies = list(replies.order_by("created_at", "id"))
    request_files: list[Attachment] = []
    reply_files: dict[int, list[Attachment]] = {}
    for attachment in files.order_by("created_at", "id") if getattr(request, "has_files", True) else ():
        if attachment.reply_id is None:
            request_files.append(attachment)
        else:
            reply_files.setdefault(attachment.reply_id, []).append(attachment)
    for reply in replies:
        reply.body_html = render_markdown(reply.body)
        reply.files = reply_files.get(reply.pk, [])
    return replies, request_files


def attachment_for(user: User, request_pk: int, pk: int) -> Attachment:
    request = request_for_user(user, request_pk)
    attachment = Attachment.objects.filter(request=request, pk=pk).first()
    if attachment is None or (attachment.internal and not user.has_perm("support.view_internal", request)):
        raise Http404
    return attachment


def events_for(request: SupportRequest, user: User) -> list[RequestEvent]:
    """The history; refused (conflicting) attempts are COE business only."""
    events = RequestEvent.objects.filter(request=request).select_related("actor")
    if not user.has_perm("support.view_internal", request):
        events = events.filter(outcome=RequestEvent.Outcome.APPLIED)
    return list(events.order_by("created_at", "id"))


def links_for(request: SupportRequest) -> list[RequestLink]:
    if not getattr(request, "has_links", True):  # known from request_get
        return []
    return list(RequestLink.objects.filter(request=request).order_by("created_at", "id"))


def transitions_for(request: SupportRequest, user: User) -> list[tuple[str, lifecycle.Transition]]:
    return lifecycle.transitions_from(request.status, actor_roles(user, request))


# --- the COE -------------------------------------------------------------------------------


def coe_members() -> QuerySet[User]:
    """Active COE members. Filtered by the COE group's id, not its name: joined through the
    name, PostgreSQL guesses the group's size from the average (every user is in the staff
    group) and scans all users; with the id it knows the group is small."""
    group_id = Group.objects.filter(name=Role.COE).values_list("pk", flat=True).first()
    return User.objects.filter(groups=group_id, is_active=True).order_by("display_name_kana", "username")


# Choice lists (COE members, departments) for the selects of the queue and of every request
# page a COE member opens: cached, and dropped whenever a membership of a group, a person or
# a department changes (choice_lists_drop, connected in apps.py), now and again on commit.
# CHOICES_TTL bounds a change made in another process when the cache is per process.
CHOICES_TTL = 300
MEMBER_CHOICES_KEY = "support:coe-choices"
DEPARTMENT_CHOICES_KEYS = {"ja": "support:department-choices:ja", "en": "support:department-choices:en"}


def _choices(key: str, build) -> list[tuple[int, str]]:
    rows = cache.get(key)
    if rows is None:
        rows = build()
        cache.set(key, rows, CHOICES_TTL)
    return rows


def choice_lists_drop() -> None:
    keys = [MEMBER_CHOICES_KEY, *DEPARTMENT_CHOICES_KEYS.values()]
    cache.delete_many(keys)
    # Again after the commit: a request in between may have cached the old lists.
    transaction.on_commit(lambda: cache.delete_many(keys))


def coe_member_choices() -> list[tuple[int, str]]:
    """(id, name) of every active COE member, for selects; no model instances."""

    def build() -> list[tuple[int, str]]:
        rows = coe_members().values_list("pk", "display_name", "first_name", "last_name", "username")
        return [(pk, full_name(*names)) for pk, *names in rows]

    return _choices(MEMBER_CHOICES_KEY, build)


def department_choices() -> list[tuple[int, str]]:
    """(id, name in the active language) of the active departments, for selects."""
    english = (get_language() or "ja").startswith("en")

    def build() -> list[tuple[int, str]]:
        rows = (
            Department.objects.filter(is_active=True)
            .order_by("sort_order", "code")
            .values_list("pk", "name_ja", "name_en")
        )
        return [(pk, (name_en if english and name_en else name_ja)) for pk, name_ja, name_en in rows]

    return _choices(DEPARTMENT_CHOICES_KEYS["en" if english else "ja"], build)


@dataclass(frozen=True)
class Suggestion:
    pk: int
    name: str
    open_load: int
    matched_skills: int
    skills: tuple[str, ...]  # labels, for the page


# Declared skills and open load per member, for the suggestions on every request page a COE
# member opens: kept for a minute (a suggestion may lag that much behind an assignment);
# member_skills_set drops them at once.
ASSIGNMENT_INPUTS_KEY = "support:assignment-inputs"
ASSIGNMENT_INPUTS_TTL = 60


def _assignment_inputs() -> tuple[dict[int, set[str]], dict[int, int]]:
    inputs = cache.get(ASSIGNMENT_INPUTS_KEY)
    if inputs is None:
        skills_of: dict[int, set[str]] = {}
        for user_id, skill in MemberSkill.objects.values_list("user_id", "skill"):
            skills_of.setdefault(user_id, set()).add(skill)
        load = dict(
            SupportRequest.objects.filter(status__in=OPEN_STATUSES, assignee__isnull=False)
            .order_by()
            .values_list("assignee")
            .annotate(n=Count("pk"))
        )
        inputs = (skills_of, load)
        cache.set(ASSIGNMENT_INPUTS_KEY, inputs, ASSIGNMENT_INPUTS_TTL)
    return inputs


def assignee_suggestions(kind: str, limit: int = 5, members: list[tuple[int, str]] | None = None) -> list[Suggestion]:
    """Active COE members whose declared skills fit the kind (any member for “other”): the
    lightest open load first, then the most matching skills, then the name. The load is
    one aggregated query over the open requests. `members`: coe_member_choices(), if the
    caller has it already."""
    members = coe_member_choices() if members is None else members
    needed = set(KIND_SKILLS.get(kind, ()))
    skills_of, load = _assignment_inputs()
    labels = dict(Skill.choices)
    found = [
        Suggestion(
            pk=pk,
            name=name,
            open_load=load.get(pk, 0),
            matched_skills=len(skills_of.get(pk, set()) & needed),
            skills=tuple(str(labels[s]) for s in sorted(skills_of.get(pk, ()))),
        )
        for pk, name in members
        if not needed or skills_of.get(pk, set()) & needed
    ]
    # Stable sort: members come in name (kana) order already.
    found.sort(key=lambda s: (s.open_load, -s.matched_skills))
    return found[:limit]


# The canned replies in use, for every request page a COE member opens; canned_reply_save
# drops the cached list.
CANNED_KEY = "support:canned-in-use"
CANNED_TTL = 300


def canned_replies_for(kind: str) -> list[CannedReply]:
    in_use = cache.get(CANNED_KEY)
    if in_use is None:
        in_use = list(CannedReply.objects.filter(is_active=True).order_by("kind", "title"))
        cache.set(CANNED_KEY, in_use, CANNED_TTL)
    return [canned for canned in in_use if canned.kind in (kind, "")]


def canned_reply_list() -> QuerySet[CannedReply]:
    return CannedReply.objects.select_related("updated_by").order_by("kind", "title", "id")


def members_with_skills() -> list[User]:
    profiles = {p.user_id: p for p in MemberProfile.objects.all()}
    members = list(
        coe_members().prefetch_related(Prefetch("support_skills", queryset=MemberSkill.objects.order_by("skill")))
    )
    load = dict(
        SupportRequest.objects.filter(status__in=OPEN_STATUSES, assignee__in=[m.pk for m in members])
        .order_by()
        .values_list("assignee")
        .annotate(n=Count("pk"))
    )
    for member in members:
        member.skill_values = [s.skill for s in member.support_skills.all()]
        member.is_lead = bool(profiles.get(member.pk) and profiles[member.pk].is_lead)
        member.open_load = load.get(member.pk, 0)
    return members


# --- home ---------------------------------------------------------------------------------


def _capped(queryset: QuerySet) -> int:
    return queryset.order_by()[: COUNT_CAP + 1].count()


def home_context(request) -> dict:
    user = request.user
    context = {
        "my_open": list(
            _list_base().filter(requester=user, status__in=OPEN_STATUSES).order_by("-created_at", "-id")[:5]
        ),
        "is_coe": user.has_perm("support.view_queue"),
        "count_cap": COUNT_CAP,
    }
    if context["is_coe"]:
        open_requests = SupportRequest.objects.filter(status__in=OPEN_STATUSES)
        context["unassigned"] = _capped(open_requests.filter(assignee__isnull=True))
        context["at_risk"] = _capped(SupportRequest.objects.filter(target_filter(NEAR)))
        context["mine"] = _capped(open_requests.filter(assignee=user))
    return context
