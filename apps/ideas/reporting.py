"""Report selectors for the idea challenge (read by apps.reports only).

Every function takes a period as inclusive dates in Japan time (`start`, `end`) and an
optional list of department ids (None = every department, rows without a department
included), and returns plain dicts from one `.values().annotate()` aggregation each, so
the number of queries never depends on the number of rows.

Hidden counts: a challenge with the hide setting keeps its counts hidden from voting's
start until its results are published (the same rule as the idea pages and exports,
`apps.ideas.selectors.counts_visible`); its votes are excluded in SQL from every figure here;
`vote_figures()` also names those challenges so a report can say so.
An idea counts as *submitted* when it left the draft state (its `submitted_at` falls in
the period) and as *approved* when the COE published it (status approved, or merged into
another idea after being published).
"""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from apps.ideas.models import Challenge, Idea, Vote

APPROVED_STATUSES = (Idea.Status.APPROVED, Idea.Status.MERGED)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end + 1 day 00:00) in Japan time (settings.TIME_ZONE)."""
    zone = timezone.get_default_timezone()
    return (
        datetime.combine(start, time(0), tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone),
    )


def _ideas(start: date, end: date, department_ids: Sequence[int] | None):
    lo, hi = _bounds(start, end)
    ideas = Idea.objects.filter(submitted_at__gte=lo, submitted_at__lt=hi).exclude(status=Idea.Status.DRAFT)
    if department_ids is not None:
        ideas = ideas.filter(department_id__in=department_ids)
    return ideas


_IDEA_COUNTS = {
    "submitted": Count("id"),
    "approved": Count("id", filter=Q(status__in=APPROVED_STATUSES)),
}


def ideas_by_department(*, start: date, end: date, department_ids: Sequence[int] | None = None) -> list[dict]:
    """[{department_id, submitted, approved}] by the idea's department."""
    return list(
        _ideas(start, end, department_ids).values("department_id").annotate(**_IDEA_COUNTS).order_by("department_id")
    )


def ideas_by_challenge(*, start: date, end: date, department_ids: Sequence[int] | None = None) -> list[dict]:
    """[{challenge_id, title, submitted, approved}] for challenges with ideas in the period."""
    rows = (
        _ideas(start, end, department_ids)
        .values("challenge_id", "challenge__title")
        .annotate(**_IDEA_COUNTS)
        .order_by("challenge_id")
    )
    return [
        {
            "challenge_id": r["challenge_id"],
            "title": r["challenge__title"],
            "submitted": r["submitted"],
            "approved": r["approved"],
        }
        for r in rows
    ]


def vote_figures(
    *, start: date, end: date, department_ids: Sequence[int] | None = None, now: datetime | None = None
) -> dict:
    """Votes cast in the period, leaving out every challenge whose counts are hidden now:

    {"hidden": [{challenge_id, title}] (challenges active in the period hiding counts now),
     "by_department": [{department_id, votes, voters}] (the voter's department when voting),
     "by_challenge": [{challenge_id, title, votes, voters}],
     "totals": {votes, voters}}

    Voters are distinct people: a voter counts once per department, challenge and in total.
    Three aggregate queries over the votes of the period (the ideas_vote_report_period
    index holds every column they read) and one for the challenges' titles."""
    now = now or timezone.now()
    hidden = challenges_with_hidden_counts(start=start, end=end, now=now)
    hidden_ids = [h["challenge_id"] for h in hidden]
    lo, hi = _bounds(start, end)
    if department_ids is not None and not department_ids:
        figures = {"by_department": [], "by_challenge": [], "totals": {"votes": 0, "voters": 0}}
    else:
        votes = Vote.objects.filter(created_at__gte=lo, created_at__lt=hi).exclude(challenge_id__in=hidden_ids)
        if department_ids is not None:
            votes = votes.filter(voter_department_id__in=department_ids)
        votes = votes.order_by()
        figures = {
            "by_department": [
                {"department_id": r["voter_department_id"], "votes": r["votes"], "voters": r["voters"]}
                for r in votes.values("voter_department_id")
                .annotate(votes=Count("id"), voters=Count("voter_id", distinct=True))
                .order_by("voter_department_id")
            ],
            "by_challenge": _with_titles(
                votes.values("challenge_id")
                .annotate(votes=Count("id"), voters=Count("voter_id", distinct=True))
                .order_by("challenge_id")
            ),
            "totals": votes.aggregate(votes=Count("id"), voters=Count("voter_id", distinct=True)),
        }
    return {"hidden": hidden, **figures}


def _with_titles(rows) -> list[dict]:
    """The rows with their challenge's title, read apart: grouping by the title as well
    made the database sort every vote with it (three times slower at 500,000 votes)."""
    rows = list(rows)
    titles = dict(Challenge.objects.filter(pk__in=[r["challenge_id"] for r in rows]).values_list("pk", "title"))
    return [{**r, "title": titles[r["challenge_id"]]} for r in rows]


def challenges_with_hidden_counts(*, start: date, end: date, now: datetime | None = None) -> list[dict]:
    """[{challenge_id, title}] of challenges active in the period whose counts are hidden now:
    voting has started and the results are not published yet."""
    lo, hi = _bounds(start, end)
    now = now or timezone.now()
    rows = (
        Challenge.objects.filter(hide_counts_while_voting=True, voting_start__lte=now, submission_start__lt=hi)
        .filter(Q(results_published_at__isnull=True) | Q(results_published_at__gt=now))
        .filter(voting_end__gte=lo)
        .order_by("voting_end", "id")
        .values("id", "title")
    )
    return [{"challenge_id": r["id"], "title": r["title"]} for r in rows]


def ideas_by_answer_status(*, start: date, end: date, department_ids: Sequence[int] | None = None) -> list[dict]:
    """[{answer_status_id, name_ja, name_en, sort_order, ideas}]; id None = not answered yet."""
    rows = (
        _ideas(start, end, department_ids)
        .values("answer_status_id", "answer_status__name_ja", "answer_status__name_en", "answer_status__sort_order")
        .annotate(ideas=Count("id"))
        .order_by("answer_status__sort_order", "answer_status_id")
    )
    return [
        {
            "answer_status_id": r["answer_status_id"],
            "name_ja": r["answer_status__name_ja"] or "",
            "name_en": r["answer_status__name_en"] or "",
            "sort_order": r["answer_status__sort_order"],
            "ideas": r["ideas"],
        }
        for r in rows
    ]
