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

from django.db import connection, transaction
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
    On PostgreSQL the three groupings come from one pass over the voters' tallies
    (VoterTally, GROUPING SETS); elsewhere from three aggregate queries over the votes."""
    now = now or timezone.now()
    hidden = challenges_with_hidden_counts(start=start, end=end, now=now)
    hidden_ids = [h["challenge_id"] for h in hidden]
    lo, hi = _bounds(start, end)
    if department_ids is not None and not department_ids:
        figures = {"by_department": [], "by_challenge": [], "totals": {"votes": 0, "voters": 0}}
    elif connection.vendor == "postgresql":
        figures = _vote_figures_postgresql(lo, hi, hidden_ids, department_ids)
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
            "by_challenge": [
                {
                    "challenge_id": r["challenge_id"],
                    "title": r["challenge__title"],
                    "votes": r["votes"],
                    "voters": r["voters"],
                }
                for r in votes.values("challenge_id", "challenge__title")
                .annotate(votes=Count("id"), voters=Count("voter_id", distinct=True))
                .order_by("challenge_id")
            ],
            "totals": votes.aggregate(votes=Count("id"), voters=Count("voter_id", distinct=True)),
        }
    return {"hidden": hidden, **figures}


# Each voter's votes in the period, per challenge and department, from the tallies (VoterTally,
# one row per voter and challenge instead of one per vote): a tally whose first and last vote
# both fall in the period counts whole; one that straddles a boundary (a challenge running over
# 1 April, a period ending mid-challenge) counts its votes in the period, found through the
# ideas_vote_budget index (challenge, voter). Then the three groupings in one pass.
_VOTE_FIGURES_SQL = """
WITH per_voter AS (
    SELECT challenge_id, voter_department_id, voter_id, votes AS n
    FROM ideas_votertally
    WHERE first_at >= %(lo)s AND last_at < %(hi)s AND NOT (challenge_id = ANY(%(hidden)s)) {departments}
    UNION ALL
    SELECT v.challenge_id, v.voter_department_id, v.voter_id, COUNT(*)
    FROM ideas_votertally t JOIN ideas_vote v ON v.challenge_id = t.challenge_id AND v.voter_id = t.voter_id
    WHERE t.last_at >= %(lo)s AND t.first_at < %(hi)s AND NOT (t.first_at >= %(lo)s AND t.last_at < %(hi)s)
      AND NOT (t.challenge_id = ANY(%(hidden)s)) {straddling_departments}
      AND v.voter_department_id IS NOT DISTINCT FROM t.voter_department_id
      AND v.created_at >= %(lo)s AND v.created_at < %(hi)s
    GROUP BY v.challenge_id, v.voter_department_id, v.voter_id
)
SELECT g.no_challenge, g.no_department, g.challenge_id, c.title, g.voter_department_id, g.votes, g.voters
FROM (
    SELECT GROUPING(s.challenge_id) AS no_challenge, GROUPING(s.voter_department_id) AS no_department,
           s.challenge_id, s.voter_department_id, COALESCE(SUM(s.n), 0) AS votes, COUNT(DISTINCT s.voter_id) AS voters
    FROM per_voter s
    GROUP BY GROUPING SETS ((s.challenge_id), (s.voter_department_id), ())
) g
LEFT JOIN ideas_challenge c ON c.id = g.challenge_id
"""


def _vote_figures_postgresql(
    lo: datetime, hi: datetime, hidden_ids: list[int], department_ids: Sequence[int] | None
) -> dict:
    by_department, by_challenge, totals = [], [], {"votes": 0, "voters": 0}
    params = {"lo": lo, "hi": hi, "hidden": hidden_ids, "departments": list(department_ids or [])}
    sql = _VOTE_FIGURES_SQL.format(
        departments="" if department_ids is None else "AND voter_department_id = ANY(%(departments)s)",
        straddling_departments="" if department_ids is None else "AND t.voter_department_id = ANY(%(departments)s)",
    )
    # Measured on 45,000 tallies (500,000 votes): 50 ms with the sorts in memory and no parallel
    # workers, 65–110 ms with the defaults (the sorts spill to disk at 4 MB; two workers cost
    # more than they save on two CPUs); JIT compiling would cost more than the query. SET LOCAL
    # ends with this transaction, or is reset below when it is nested in a caller's.
    settings = {"work_mem": "'32MB'", "max_parallel_workers_per_gather": "0", "jit": "off"}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("; ".join(f"SET LOCAL {name} = {value}" for name, value in settings.items()))
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        cursor.execute("; ".join(f"RESET {name}" for name in settings))
    for no_challenge, no_department, challenge_id, title, department_id, votes, voters in rows:
        if not no_challenge:
            by_challenge.append({"challenge_id": challenge_id, "title": title, "votes": int(votes), "voters": voters})
        elif not no_department:
            by_department.append({"department_id": department_id, "votes": int(votes), "voters": voters})
        else:
            totals = {"votes": int(votes), "voters": voters}
    by_department.sort(key=lambda r: (r["department_id"] is None, r["department_id"] or 0))
    by_challenge.sort(key=lambda r: r["challenge_id"])
    return {"by_department": by_department, "by_challenge": by_challenge, "totals": totals}


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
