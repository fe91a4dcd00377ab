import io

import pytest
from django.core.management import call_command

from apps.devdata.bench import ideas as bench
from apps.devdata.demo.ideas import FUKUI_TITLE, OPEN_TITLE, VOTING_TITLE
from apps.ideas.models import Challenge, Idea, Phase, Vote
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_has_the_fukui_challenge_and_every_phase():
    call_command("seed_demo", stdout=io.StringIO())
    fukui = Challenge.objects.get(title=FUKUI_TITLE)
    assert fukui.ideas.count() == 22
    assert Vote.objects.filter(challenge=fukui).count() == 370
    top = list(fukui.ideas.order_by("-vote_count").values_list("title", flat=True)[:3])
    assert "新型コロナ" in top[0] and "市民にやさしい" in top[1] and "RPA" in top[2]
    for idea in fukui.ideas.all():
        assert idea.vote_count == idea.votes.count()
    local_start = fukui.submission_start.astimezone(fukui.submission_start.tzinfo)
    assert (local_start.month, local_start.day) == (8, 10)
    assert fukui.phase == Phase.RESULTS and fukui.sealed_at and fukui.seal_digest
    assert fukui.ideas.filter(answer_status__isnull=False).count() >= 3
    assert Challenge.objects.get(title=OPEN_TITLE).phase == Phase.SUBMISSION
    voting = Challenge.objects.get(title=VOTING_TITLE)
    assert voting.phase == Phase.VOTING and voting.hide_counts_while_voting
    assert Vote.objects.filter(challenge=voting).exists()

    before = (Challenge.objects.count(), Idea.objects.count(), Vote.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Challenge.objects.count(), Idea.objects.count(), Vote.objects.count()) == before


def test_bench_seed_keeps_counts_consistent():
    for _ in range(30):
        UserFactory()
    out = io.StringIO()
    bench.seed(sizes={"ideas": 40, "votes": 300}, stdout=out)
    assert bench.counts() == {"ideas": 40, "votes": 300}
    for idea in Idea.objects.all():
        assert idea.vote_count == idea.votes.count()
        assert not idea.votes.filter(voter_id=idea.author_id).exists()
    assert not Vote.objects.exclude(idea__status=Idea.Status.APPROVED).exists()
