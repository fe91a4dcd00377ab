"""The reports read per-voter tallies that PostgreSQL triggers keep beside the votes: after
any way of writing votes, the tallies must equal what the votes themselves say, and the
report's vote figures must equal a count over the votes for any period, also one that cuts
a challenge in two."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Count, Max, Min
from django.utils import timezone

from apps.accounts.models import Department
from apps.ideas import reporting, services
from apps.ideas.models import Idea, Vote, VoterTally
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the tallies are kept by PostgreSQL triggers; SQLite reports count the votes")


def tallies() -> dict:
    return {(t.challenge_id, t.voter_id, t.voter_department_id): t.votes for t in VoterTally.objects.all()}


def from_votes() -> dict:
    rows = Vote.objects.values("challenge_id", "voter_id", "voter_department_id").annotate(n=Count("*"))
    return {(r["challenge_id"], r["voter_id"], r["voter_department_id"]): r["n"] for r in rows}


def test_tallies_follow_every_way_votes_are_written(challenge_factory, idea_factory):
    challenge = challenge_factory()
    ideas = [idea_factory(challenge=challenge) for _ in range(4)]
    voters = [UserFactory() for _ in range(5)]
    for voter in voters:
        for idea in ideas[:3]:
            services.vote_cast(voter=voter, idea_id=idea.pk)
    assert tallies() == from_votes() and sum(tallies().values()) == 15

    services.vote_withdraw(voter=voters[0], idea_id=ideas[0].pk)
    for idea in ideas[:3]:  # a voter with no vote left has no tally
        services.vote_withdraw(voter=voters[1], idea_id=idea.pk)
    assert tallies() == from_votes()
    assert not VoterTally.objects.filter(voter_id=voters[1].pk).exists()

    services.idea_merge(source_id=ideas[2].pk, target_id=ideas[3].pk, actor=UserFactory())
    assert tallies() == from_votes()

    Idea.objects.filter(pk=ideas[0].pk).delete()  # cascades to its votes
    voters[2].delete()
    assert tallies() == from_votes()

    moved = voters[3].department
    Department.objects.filter(pk=moved.pk).delete()  # the votes' department becomes NULL
    assert tallies() == from_votes()
    assert (challenge.pk, voters[3].pk, None) in tallies()

    Vote.objects.bulk_create(
        Vote(idea=ideas[1], challenge=challenge, voter=v, voter_department=v.department)
        for v in (UserFactory(), UserFactory())
    )
    assert tallies() == from_votes()


def test_a_tally_keeps_the_first_and_last_vote(challenge_factory, idea_factory):
    challenge = challenge_factory()
    first, second = idea_factory(challenge=challenge), idea_factory(challenge=challenge)
    voter = UserFactory()
    services.vote_cast(voter=voter, idea_id=first.pk)
    services.vote_cast(voter=voter, idea_id=second.pk)
    earlier = timezone.now() - timedelta(days=3)
    Vote.objects.filter(voter=voter, idea=first).update(created_at=earlier)
    bounds = Vote.objects.filter(voter=voter).aggregate(first=Min("created_at"), last=Max("created_at"))
    tally = VoterTally.objects.get(voter_id=voter.pk)
    assert (tally.votes, tally.first_at, tally.last_at) == (2, bounds["first"], bounds["last"])


def test_figures_match_the_votes_for_periods_that_cut_a_challenge(challenge_factory, idea_factory):
    now = timezone.now()
    challenge = challenge_factory(
        submission_start=now - timedelta(days=60),
        submission_end=now - timedelta(days=1),
        voting_start=now - timedelta(days=50),
        voting_end=now + timedelta(days=5),
    )
    ideas = [idea_factory(challenge=challenge) for _ in range(3)]
    department = DepartmentFactory()
    voters = [UserFactory(department=department if i % 2 else None) for i in range(6)]
    for i, voter in enumerate(voters):
        for j, idea in enumerate(ideas):
            if (i + j) % 3:
                services.vote_cast(voter=voter, idea_id=idea.pk)
    # Spread the votes over the last ten days.
    for k, vote in enumerate(Vote.objects.order_by("pk")):
        Vote.objects.filter(pk=vote.pk).update(created_at=now - timedelta(days=k % 10))
    assert tallies() == from_votes()

    today = timezone.localdate(now)
    for start, end in [
        (today - timedelta(days=30), today),  # every vote
        (today - timedelta(days=4), today),  # the newest votes only
        (today - timedelta(days=9), today - timedelta(days=5)),  # the oldest only
        (date(2000, 1, 1), today - timedelta(days=20)),  # none
    ]:
        figures = reporting.vote_figures(start=start, end=end)
        lo, hi = reporting._bounds(start, end)
        votes = Vote.objects.filter(created_at__gte=lo, created_at__lt=hi)
        expected = votes.aggregate(votes=Count("*"), voters=Count("voter", distinct=True))
        assert figures["totals"] == expected
        by_department = {r["department_id"]: (r["votes"], r["voters"]) for r in figures["by_department"]}
        assert by_department == {
            r["voter_department_id"]: (r["n"], r["people"])
            for r in votes.values("voter_department_id").annotate(n=Count("*"), people=Count("voter", distinct=True))
        }
        scoped = reporting.vote_figures(start=start, end=end, department_ids=[department.pk])
        assert scoped["totals"]["votes"] == votes.filter(voter_department=department).count()
