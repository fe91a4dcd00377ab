"""Migration ideas/0006 drops the per-voter tallies and their PostgreSQL triggers (issue #15:
no triggers). On a database with votes: every vote stays, the report's vote figures are the
same before and after, nothing of the triggers is left, and voting still works. Back to 0005
the tallies are rebuilt from the votes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from apps.ideas import reporting, services
from apps.ideas.models import Vote
from tests.factories import UserFactory
from tests.ideas.factories import ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _vote_triggers() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'ideas_vote'::regclass AND NOT tgisinternal ORDER BY 1"
        )
        return [name for (name,) in cursor.fetchall()]


def _migrate(target: list[tuple[str, str]] | None = None) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(target or executor.loader.graph.leaf_nodes())


def test_dropping_the_tallies_keeps_every_vote_and_the_same_figures():
    if connection.vendor != "postgresql":
        pytest.skip("the tallies and their triggers existed on PostgreSQL only")
    challenge = ChallengeFactory()
    ideas = [IdeaFactory(challenge=challenge) for _ in range(3)]
    voters = [UserFactory() for _ in range(4)]
    for n, voter in enumerate(voters):
        for idea in ideas[: n % 3 + 1]:
            services.vote_cast(voter=voter, idea_id=idea.pk)
    votes = sorted(Vote.objects.values_list("idea_id", "voter_id"))
    assert len(votes) == 1 + 2 + 3 + 1
    today = timezone.localdate()
    period = {"start": today - timedelta(days=30), "end": today}
    figures = reporting.vote_figures(**period)
    assert figures["totals"] == {"votes": 7, "voters": 4}

    try:
        _migrate([("ideas", "0005_voter_tally")])
        assert _vote_triggers() == ["ideas_votertally_delete", "ideas_votertally_insert", "ideas_votertally_update"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(SUM(votes), 0) FROM ideas_votertally")
            assert cursor.fetchone()[0] == 7  # rebuilt from the votes
    finally:
        _migrate()

    assert _vote_triggers() == []
    assert "ideas_votertally" not in connection.introspection.table_names()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'ideas_votertally_sync'")
        assert cursor.fetchone()[0] == 0
    assert sorted(Vote.objects.values_list("idea_id", "voter_id")) == votes
    assert reporting.vote_figures(**period) == figures
    services.vote_cast(voter=voters[0], idea_id=ideas[1].pk)
    assert reporting.vote_figures(**period)["totals"] == {"votes": 8, "voters": 4}
