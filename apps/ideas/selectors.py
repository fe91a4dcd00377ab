"""Reads for the idea challenge, shaped for each page so templates never query.

Hidden counts: whether a user may see vote counts is decided here, once, by
`counts_visible()`. When they are hidden, idea querysets defer `vote_count` and every
idea handed to a page has `vote_count = None` and `visible_count = None`, so a template,
fragment or export cannot show the number, sort by it or leak it in the page source.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Rank
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Department, User, full_name
from apps.ideas.models import (
    AnswerStatus,
    Attachment,
    Category,
    Challenge,
    Coauthor,
    Comment,
    Follow,
    Idea,
    IdeaEvent,
    Vote,
)
from apps.ideas.rules import is_coe

SORTS = ("new", "popular", "old")


# --- counts --------------------------------------------------------------------------------


def counts_visible(challenge: Challenge, user, now=None) -> bool:
    """May this user see vote counts of this challenge now?

    Without the hide setting, always. With it: nobody while voting is open, nor before;
    after voting has closed only the COE (to prepare the results); after the results are
    published whoever may see the results."""
    if not challenge.hide_counts_while_voting:
        return True
    now = now or timezone.now()
    if challenge.results_published_at and challenge.results_published_at <= now:
        return user.has_perm("ideas.view_results", challenge)
    if now >= challenge.voting_end:
        return bool(is_coe(user))
    return False


def _hide_counts(ideas) -> None:
    for idea in ideas:
        idea.vote_count = None
        idea.visible_count = None


# --- challenges ----------------------------------------------------------------------------


def challenge_list() -> QuerySet[Challenge]:
    return Challenge.objects.annotate(
        idea_count=Count("ideas", filter=Q(ideas__status=Idea.Status.APPROVED)),
    ).order_by("-submission_start", "-id")


# Every challenge, idea list and いいね page starts from its challenge (windows, rules,
# categories): kept in the shared cache, dropped by every service that changes a challenge
# (challenge_forget); the timeout bounds a change made elsewhere (the Django admin).
CHALLENGE_CACHE_SECONDS = 60


def _challenge_key(pk: int) -> str:
    return f"ideas:challenge:{pk}"


def challenge_get(pk: int) -> Challenge:
    key = _challenge_key(pk)
    challenge = cache.get(key)
    if challenge is None:
        challenge = Challenge.objects.filter(pk=pk).prefetch_related("categories").first()
        if challenge is None:
            raise Http404
        cache.set(key, challenge, CHALLENGE_CACHE_SECONDS)
    return challenge


def challenge_forget(pk: int) -> None:
    """Drop the cached challenge now and once the transaction commits (a request in
    between may have cached the old one again)."""
    key = _challenge_key(pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def challenge_stats(challenge: Challenge) -> dict:
    """Published idea count (and, for the COE, how many wait for approval), one query."""
    return Idea.objects.filter(challenge=challenge, status__in=[Idea.Status.APPROVED, Idea.Status.SUBMITTED]).aggregate(
        published=Count("pk", filter=Q(status=Idea.Status.APPROVED)),
        waiting=Count("pk", filter=Q(status=Idea.Status.SUBMITTED)),
    )


@dataclass(frozen=True)
class Budget:
    """The voter's position in a challenge: votes used and, with the budget rule, left."""

    used: int
    total: int | None

    @property
    def left(self) -> int | None:
        return None if self.total is None else max(0, self.total - self.used)


def budget_for(challenge: Challenge, user) -> Budget:
    used = Vote.objects.filter(challenge=challenge, voter=user).count()
    return Budget(used=used, total=challenge.votes_per_person)


# --- ideas ---------------------------------------------------------------------------------


_NAME_FIELDS = ("display_name", "first_name", "last_name", "username")


def _coauthors_prefetch() -> Prefetch:
    return Prefetch(
        "coauthors",
        queryset=Coauthor.objects.select_related("user")
        .only("idea_id", "user_id", "status", *(f"user__{name}" for name in _NAME_FIELDS))
        .order_by("invited_at", "id"),
    )


_LIST_ORDER = {
    "new": ("-submitted_at", "-id"),
    "old": ("submitted_at", "id"),
    "popular": ("-vote_count", "-submitted_at", "-id"),
}


def idea_list_page(
    challenge: Challenge,
    *,
    user,
    show_counts: bool,
    page: str | None,
    per_page: int,
    sort: str = "new",
    category_id: int | None = None,
) -> Page:
    """A page of the challenge's published ideas (newest first, oldest first, or by count
    when counts are visible: otherwise "popular" is ignored, the order would tell them),
    each with the viewer's いいね (`has_voted`), its visible comments (`comment_count`),
    accepted co-authors (`coauthor_names`), whether it is the viewer's (`is_mine`) and its
    count if it may be shown (`visible_count`, else None; the column is not even read)."""
    if sort not in _LIST_ORDER or (sort == "popular" and not show_counts):
        sort = "new"
    ideas = Idea.objects.filter(challenge=challenge, status=Idea.Status.APPROVED)
    if category_id:
        ideas = ideas.filter(category_id=category_id)
    visible_comments = (
        Comment.objects.filter(idea=OuterRef("pk"), hidden_reason="")
        .order_by()
        .values("idea")
        .annotate(n=Count("pk"))
        .values("n")
    )
    shown = [
        "title", "summary", "submitted_at", *(f"author__{name}" for name in _NAME_FIELDS),
        "category__name_ja", "category__name_en", "department__name_ja", "department__name_en",
    ]  # fmt: skip
    if show_counts:
        shown.append("vote_count")
    ideas = (
        ideas.select_related("author", "category", "department")
        .only(*shown)
        .annotate(
            has_voted=Exists(Vote.objects.filter(idea=OuterRef("pk"), voter_id=user.pk)),
            comment_count=Coalesce(Subquery(visible_comments), 0),
        )
        .order_by(*_LIST_ORDER[sort])
    )
    result = Paginator(ideas, per_page).get_page(page)
    result.object_list = list(result.object_list)
    for idea in result.object_list:
        idea.visible_count = idea.vote_count if show_counts else None
    _add_coauthors(result.object_list, user=user)
    return result


def _add_coauthors(items: list[Idea], *, user) -> None:
    """The accepted co-authors' names (one query for the page); whether the idea is the viewer's."""
    names: dict[int, list[tuple[int, str]]] = {}
    if items:
        rows = (
            Coauthor.objects.filter(idea_id__in=[item.pk for item in items], status=Coauthor.Status.ACCEPTED)
            .order_by("invited_at", "id")
            .values_list("idea_id", "user_id", *(f"user__{name}" for name in _NAME_FIELDS))
        )
        for idea_id, user_id, *person in rows:
            names.setdefault(idea_id, []).append((user_id, full_name(*person)))
    for item in items:
        coauthors = names.get(item.pk, [])
        item.coauthor_names = [name for _pk, name in coauthors]
        item.is_mine = item.author_id == user.pk or any(pk == user.pk for pk, _name in coauthors)


def idea_get(pk: int, viewer=None) -> Idea:
    """An idea with everything its page shows, before any permission check; with a
    viewer, also whether they liked (`viewer_voted`) and follow it (`viewer_follows`)."""
    ideas = Idea.objects.filter(pk=pk)
    if viewer is not None:
        ideas = ideas.annotate(
            viewer_voted=Exists(Vote.objects.filter(idea=OuterRef("pk"), voter=viewer)),
            viewer_follows=Exists(Follow.objects.filter(idea=OuterRef("pk"), user=viewer)),
        )
    found = list(
        # The merge target and the official answer exist only late in an idea's life: they
        # are fetched below when set, instead of two more joins (and their column lists)
        # on every view of every idea. Co-authors and files likewise: most ideas have none,
        # and then they need no prefetch query.
        ideas.annotate(
            has_coauthors=Exists(Coauthor.objects.filter(idea_id=OuterRef("pk"))),
            has_attachments=Exists(Attachment.objects.filter(idea_id=OuterRef("pk"))),
        )
        .select_related("category", "department", "author")
        # One row by primary key: no ORDER BY to build (first() would add the model's ordering).
        .order_by()
    )
    if not found:
        raise Http404
    idea = found[0]
    # A none() queryset fills the prefetch cache without a query: `idea.coauthors.all()` is
    # answered from memory either way.
    prefetch_related_objects(
        [idea],
        _coauthors_prefetch() if idea.has_coauthors else Prefetch("coauthors", queryset=Coauthor.objects.none()),
        Prefetch(
            "attachments",
            queryset=Attachment.objects.order_by("created_at", "id")
            if idea.has_attachments
            else Attachment.objects.none(),
        ),
    )
    idea.challenge = challenge_get(idea.challenge_id)
    if idea.merged_into_id:
        idea.merged_into = Idea.objects.only("title", "status").get(pk=idea.merged_into_id)
    if idea.answer_status_id:
        idea.answer_status = AnswerStatus.objects.get(pk=idea.answer_status_id)
    return idea


def idea_detail_for_user(user, pk: int, *, now=None) -> Idea:
    """The idea if the user may see it (404 otherwise, so unpublished ideas do not
    even show that they exist), its count blanked when hidden."""
    idea = idea_get(pk, viewer=user)
    if not user.has_perm("ideas.view_idea", idea):
        raise Http404
    idea.visible_count = idea.vote_count
    if not counts_visible(idea.challenge, user, now):
        _hide_counts([idea])
    return idea


def idea_for_vote(user, pk: int) -> Idea:
    """What the いいね button needs to show a refusal — the idea's title and state, who wrote
    it, its challenge (from the cache) — and nothing else. 404 when the user may not see it."""
    idea = (
        Idea.objects.filter(pk=pk)
        .only("title", "status", "author_id", "department_id", "vote_count", "challenge_id")
        .prefetch_related(Prefetch("coauthors", queryset=Coauthor.objects.only("idea_id", "user_id", "status")))
        .order_by()
        .first()
    )
    if idea is None:
        raise Http404
    idea.challenge = challenge_get(idea.challenge_id)
    if not user.has_perm("ideas.view_idea", idea):
        raise Http404
    return idea


def vote_state_refresh(idea: Idea, user, *, now=None) -> tuple[bool, Budget]:
    """After a vote, in one query: the idea's current count (blanked when hidden from this
    user), whether the user likes it now, and their budget in the challenge."""
    count, has_voted, used = (
        Idea.objects.filter(pk=idea.pk)
        .annotate(
            has_voted=Exists(Vote.objects.filter(idea=OuterRef("pk"), voter=user)),
            used=Coalesce(
                Subquery(
                    Vote.objects.filter(challenge=OuterRef("challenge"), voter=user)
                    .order_by()
                    .values("voter")
                    .annotate(n=Count("*"))
                    .values("n")
                ),
                0,
            ),
        )
        .values_list("vote_count", "has_voted", "used")
        .get()
    )
    idea.vote_count = idea.visible_count = count
    if not counts_visible(idea.challenge, user, now):
        _hide_counts([idea])
    return has_voted, Budget(used=used, total=idea.challenge.votes_per_person)


def idea_for_edit(user, pk: int) -> Idea:
    idea = idea_get(pk)
    if not user.has_perm("ideas.view_idea", idea):
        raise Http404
    if not user.has_perm("ideas.change_idea", idea):
        raise PermissionDenied
    return idea


def idea_page_facts(idea: Idea, user) -> dict:
    """The viewer's relation to an idea (loaded by idea_detail_for_user) and, while voting
    is open, their budget in its challenge (one query)."""
    return {
        "has_voted": idea.viewer_voted,
        "is_following": idea.viewer_follows,
        "budget": budget_for(idea.challenge, user) if idea.challenge.is_voting_open() else None,
    }


def comment_list(idea: Idea) -> list[Comment]:
    return list(
        Comment.objects.filter(idea=idea)
        .select_related("author")
        .only(*(f.attname for f in Comment._meta.concrete_fields), *(f"author__{name}" for name in _NAME_FIELDS))
    )


EVENT_LABELS = {
    "created": _("Created"),
    "edited": _("Edited"),
    "edited_after_votes": _("Edited after it had received votes"),
    "submitted": _("Submitted to the COE"),
    "published": _("Published"),
    "approved": _("Approved and published by the COE"),
    "returned": _("Returned to the author"),
    "withdrawn": _("Withdrawn by the author"),
    "coauthor_invited": _("Co-author invited"),
    "coauthor_accepted": _("Co-author joined"),
    "coauthor_declined": _("Co-author declined"),
    "merged": _("Merged into another idea"),
    "merged_from": _("A duplicate was merged into this idea"),
    "answered": _("Official answer"),
}
# Notes everybody who sees the idea may read; the others (a return reason, an invitee's
# name) only the authors and the COE.
PUBLIC_NOTES = {"merged", "merged_from", "answered"}


def event_list(idea: Idea) -> list[IdeaEvent]:
    """The idea's history as its viewer may see it; `idea` comes from idea_detail_for_user.

    "Edited after it had received votes" tells that the count is above zero. While the
    count is hidden from this viewer (idea_detail_for_user blanked `visible_count`; an idea
    loaded otherwise counts as hidden) such an edit reads as a plain edit, note and all. So
    the COE sees it once voting has closed, whoever may see the results once they are
    published, and everybody where counts are not hidden."""
    counts_shown = getattr(idea, "visible_count", None) is not None
    events = list(IdeaEvent.objects.filter(idea=idea).select_related("actor"))
    for event in events:
        if event.action == "edited_after_votes" and not counts_shown:
            event.action, event.note = "edited", ""
        event.label = EVENT_LABELS.get(event.action, event.action)
        event.public_note = event.note if event.action in PUBLIC_NOTES else ""
    return events


def merge_targets(idea: Idea) -> QuerySet[Idea]:
    return (
        Idea.objects.filter(challenge_id=idea.challenge_id, status=Idea.Status.APPROVED)
        .exclude(pk=idea.pk)
        .only("pk", "title")
        .order_by("title")
    )


def answer_statuses() -> QuerySet[AnswerStatus]:
    return AnswerStatus.objects.all()


def moderation_queue(challenge: Challenge | None = None) -> QuerySet[Idea]:
    ideas = (
        Idea.objects.filter(status=Idea.Status.SUBMITTED)
        .select_related("challenge", "category", "department", "author")
        .order_by("submitted_at", "id")
    )
    if challenge is not None:
        ideas = ideas.filter(challenge=challenge)
    return ideas


def my_ideas(user, challenge: Challenge | None = None, limit: int | None = None) -> list[Idea]:
    """Ideas the user wrote or co-authors (accepted), newest first; no counts shown."""
    coauthored = Coauthor.objects.filter(user=user, status=Coauthor.Status.ACCEPTED).values("idea_id")
    ideas = Idea.objects.filter(Q(author=user) | Q(pk__in=coauthored)).exclude(status=Idea.Status.MERGED)
    if challenge is not None:
        ideas = ideas.filter(challenge=challenge)
    ideas = ideas.select_related("challenge").only("title", "status", "challenge__title")
    ideas = ideas.order_by("-updated_at", "-id")
    return list(ideas[:limit] if limit else ideas)


def invitations_for(user) -> list[Coauthor]:
    return list(
        Coauthor.objects.filter(user=user, status=Coauthor.Status.INVITED)
        .select_related("idea", "idea__author")
        .order_by("-invited_at")
    )


def categories_of(challenge: Challenge) -> list[Category]:
    return list(challenge.categories.all())


# --- results -------------------------------------------------------------------------------


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


@dataclass
class DepartmentParticipation:
    department: Department | None
    staff: int
    voters: int

    @property
    def rate(self) -> float | None:
        return self.voters / self.staff if self.staff else None

    @property
    def rate_display(self) -> str:
        return _percent(self.rate)


@dataclass
class Results:
    challenge: Challenge
    ranking: QuerySet  # ideas annotated with `rank`, best first
    total_votes: int
    unique_voters: int
    staff: int
    departments: list[DepartmentParticipation]
    leaders: list[tuple[Category, list[Idea]]]
    lines: list[str] = field(default_factory=list)

    @property
    def participation(self) -> float | None:
        return self.unique_voters / self.staff if self.staff else None

    @property
    def participation_display(self) -> str:
        return _percent(self.participation)

    @property
    def tally_text(self) -> str:
        return "\n".join(self.lines)

    @property
    def digest_matches(self) -> bool:
        return bool(self.challenge.seal_digest) and Challenge.digest_of(self._pairs) == self.challenge.seal_digest

    _pairs: list[tuple[int, int]] = field(default_factory=list)


def ranking(challenge: Challenge) -> QuerySet[Idea]:
    """Published ideas with their competition rank (1, 2, 2, 4 …), computed by the database."""
    return (
        Idea.objects.filter(challenge=challenge, status=Idea.Status.APPROVED)
        .select_related("category", "department", "author", "answer_status")
        .prefetch_related(_coauthors_prefetch())
        .annotate(rank=Window(Rank(), order_by=F("vote_count").desc()), visible_count=F("vote_count"))
        .order_by("rank", "pk")
    )


def tally_pairs(challenge: Challenge) -> list[tuple[int, int]]:
    """The sorted (idea id, count) list the seal digest is computed over."""
    return list(
        Idea.objects.filter(challenge=challenge, status=Idea.Status.APPROVED)
        .order_by("pk")
        .values_list("pk", "vote_count")
    )


def participation_by_department(challenge: Challenge) -> list[DepartmentParticipation]:
    """Voters (by their department when they voted) ÷ active staff of each department."""
    voters = dict(
        Vote.objects.filter(challenge=challenge, idea__status=Idea.Status.APPROVED)
        .values("voter_department_id")
        .annotate(n=Count("voter_id", distinct=True))
        .values_list("voter_department_id", "n")
    )
    staff = dict(
        User.objects.filter(is_active=True)
        .values("department_id")
        .annotate(n=Count("pk"))
        .values_list("department_id", "n")
    )
    ids = {pk for pk in (*voters, *staff) if pk is not None}
    departments = {d.pk: d for d in Department.objects.filter(pk__in=ids)}
    rows = [
        DepartmentParticipation(department=departments[pk], staff=staff.get(pk, 0), voters=voters.get(pk, 0))
        for pk in sorted(ids, key=lambda pk: (departments[pk].sort_order, departments[pk].code))
    ]
    if voters.get(None) or staff.get(None):
        rows.append(DepartmentParticipation(department=None, staff=staff.get(None, 0), voters=voters.get(None, 0)))
    return rows


def category_leaders(challenge: Challenge) -> list[tuple[Category, list[Idea]]]:
    leaders = (
        Idea.objects.filter(challenge=challenge, status=Idea.Status.APPROVED, category__isnull=False)
        .select_related("category")
        .annotate(category_rank=Window(Rank(), partition_by=F("category_id"), order_by=F("vote_count").desc()))
        .filter(category_rank=1, vote_count__gt=0)
        .order_by("category__sort_order", "category_id", "pk")
    )
    grouped: dict[int, tuple[Category, list[Idea]]] = {}
    for idea in leaders:
        grouped.setdefault(idea.category_id, (idea.category, []))[1].append(idea)
    return list(grouped.values())


def results_for(challenge: Challenge) -> Results:
    totals = Vote.objects.filter(challenge=challenge, idea__status=Idea.Status.APPROVED).aggregate(
        voters=Count("voter_id", distinct=True)
    )
    total_votes = (
        Idea.objects.filter(challenge=challenge, status=Idea.Status.APPROVED).aggregate(n=Sum("vote_count"))["n"] or 0
    )
    pairs = tally_pairs(challenge)
    return Results(
        challenge=challenge,
        ranking=ranking(challenge),
        total_votes=total_votes,
        unique_voters=totals["voters"],
        staff=User.objects.filter(is_active=True).count(),
        departments=participation_by_department(challenge),
        leaders=category_leaders(challenge),
        lines=[f"{idea_id}:{count}" for idea_id, count in pairs],
        _pairs=pairs,
    )


def export_rows(challenge: Challenge, *, show_counts: bool) -> QuerySet[Idea]:
    """Ideas for CSV/Excel: ranked when counts are visible, by id (no rank, no count) otherwise."""
    if show_counts:
        return ranking(challenge)
    return (
        Idea.objects.filter(challenge=challenge, status=Idea.Status.APPROVED)
        .select_related("category", "department", "author", "answer_status")
        .prefetch_related(_coauthors_prefetch())
        .defer("vote_count")
        .order_by("pk")
    )


# --- home ----------------------------------------------------------------------------------


def current_challenges(now=None, limit: int = 5) -> list[Challenge]:
    """Challenges not yet over, and those whose results came out in the last 30 days."""
    now = now or timezone.now()
    recent = now - timedelta(days=30)
    return list(
        Challenge.objects.filter(Q(voting_end__gt=now) | Q(results_published_at__gte=recent)).order_by(
            "voting_end", "id"
        )[:limit]
    )


def home_context(request) -> dict:
    user = request.user
    can_moderate = user.has_perm("ideas.moderate_idea")
    return {
        "challenges": current_challenges(),
        "my_ideas": my_ideas(user, limit=5),
        "waiting_count": moderation_queue().count() if can_moderate else None,
        "can_moderate": can_moderate,
    }
