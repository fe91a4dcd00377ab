"""Votes are exact under real parallel connections: on PostgreSQL through the voter's row lock
and the unique constraint, on SQLite because its immediate transactions let one writer in at
a time (the same promise, shown on both databases)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from apps.core.exceptions import RuleError
from apps.ideas import services
from apps.ideas.models import Challenge, Idea, Vote
from tests.factories import UserFactory
from tests.ideas.factories import ChallengeFactory, IdeaFactory

VOTERS = 50
BUDGET = 3
IDEAS = 6


@pytest.mark.django_db(transaction=True)
def test_fifty_voters_in_parallel_never_exceed_budget_or_double_count():
    challenge = ChallengeFactory(vote_kind=Challenge.VoteKind.BUDGET, vote_budget=BUDGET)
    ideas = [IdeaFactory(challenge=challenge) for _ in range(IDEAS)]
    voters = UserFactory.bulk(VOTERS)
    # Every voter tries each idea twice and more ideas than the budget allows.
    attempts = [(v.pk, i.pk) for v in voters for i in ideas for _ in range(2)]
    start = threading.Barrier(8)
    outcomes = {"accepted": 0, "refused": 0}
    lock = threading.Lock()

    def attempt(voter_id: int, idea_id: int) -> None:
        try:
            services.vote_cast(voter=UserFactory._meta.model(pk=voter_id), idea_id=idea_id)
            key = "accepted"
        except RuleError as error:
            assert error.code in {"already_voted", "budget_used"}
            key = "refused"
        finally:
            connections.close_all()
        with lock:
            outcomes[key] += 1

    def worker(batch):
        start.wait()
        for voter_id, idea_id in batch:
            attempt(voter_id, idea_id)

    batches = [attempts[i::8] for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(worker, batches))

    assert outcomes["accepted"] == Vote.objects.count()
    assert outcomes["accepted"] + outcomes["refused"] == len(attempts)
    assert outcomes["accepted"] == VOTERS * BUDGET  # everyone could use the whole budget
    per_voter = {v.pk: Vote.objects.filter(voter=v).count() for v in voters}
    assert max(per_voter.values()) == BUDGET
    for idea in Idea.objects.filter(pk__in=[i.pk for i in ideas]):
        assert idea.vote_count == Vote.objects.filter(idea=idea).count()
