import hashlib
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.exceptions import RuleError
from apps.ideas import services
from apps.ideas.models import Challenge, Coauthor, Idea, Vote

pytestmark = pytest.mark.django_db


def refused(code, fn, **kwargs):
    with pytest.raises(RuleError) as caught:
        fn(**kwargs)
    assert caught.value.code == code
    return caught.value


def test_vote_and_withdraw_move_the_count(idea_factory, user_factory):
    idea, voter = idea_factory(), user_factory()
    services.vote_cast(voter=voter, idea_id=idea.pk)
    idea.refresh_from_db()
    assert idea.vote_count == 1
    services.vote_withdraw(voter=voter, idea_id=idea.pk)
    idea.refresh_from_db()
    assert idea.vote_count == 0 and not Vote.objects.exists()


def test_one_iine_per_person_per_idea(idea_factory, user_factory):
    idea, voter = idea_factory(), user_factory()
    services.vote_cast(voter=voter, idea_id=idea.pk)
    refused("already_voted", services.vote_cast, voter=voter, idea_id=idea.pk)
    idea.refresh_from_db()
    assert idea.vote_count == 1


def test_no_vote_for_own_idea_or_as_accepted_coauthor(idea_factory, user_factory):
    idea = idea_factory()
    refused("own_idea", services.vote_cast, voter=idea.author, idea_id=idea.pk)
    coauthor = user_factory()
    Coauthor.objects.create(idea=idea, user=coauthor, status=Coauthor.Status.ACCEPTED)
    refused("own_idea", services.vote_cast, voter=coauthor, idea_id=idea.pk)
    invited_only = user_factory()
    Coauthor.objects.create(idea=idea, user=invited_only, status=Coauthor.Status.INVITED)
    services.vote_cast(voter=invited_only, idea_id=idea.pk)


@pytest.mark.parametrize(
    "start, end, code",
    [(+1, +10, "window_closed"), (-10, -1, "window_closed")],
)
def test_no_vote_outside_the_window(challenge_factory, idea_factory, user_factory, start, end, code):
    now = timezone.now()
    challenge = challenge_factory(
        submission_start=now - timedelta(days=30),
        voting_start=now + timedelta(days=start),
        voting_end=now + timedelta(days=end),
    )
    idea = idea_factory(challenge=challenge)
    refused(code, services.vote_cast, voter=user_factory(), idea_id=idea.pk)


def test_window_edges_are_exact_in_japan_time(challenge_factory, idea_factory, user_factory):
    from zoneinfo import ZoneInfo

    tokyo = ZoneInfo("Asia/Tokyo")
    end = timezone.datetime(2026, 9, 6, 23, 59, 59, tzinfo=tokyo) + timedelta(seconds=1)  # 7 Sep 00:00 JST
    challenge = challenge_factory(
        submission_start=end - timedelta(days=40), voting_start=end - timedelta(days=28), voting_end=end
    )
    idea = idea_factory(challenge=challenge)
    services.vote_cast(voter=user_factory(), idea_id=idea.pk, now=end - timedelta(microseconds=1))
    refused("window_closed", services.vote_cast, voter=user_factory(), idea_id=idea.pk, now=end)


def test_unpublished_ideas_cannot_be_voted(idea_factory, user_factory):
    for status in (Idea.Status.DRAFT, Idea.Status.SUBMITTED, Idea.Status.RETURNED, Idea.Status.WITHDRAWN):
        idea = idea_factory(status=status)
        refused("not_votable", services.vote_cast, voter=user_factory(), idea_id=idea.pk)


def test_budget_is_enforced_and_freed_by_withdrawing(challenge_factory, idea_factory, user_factory):
    challenge = challenge_factory(vote_kind=Challenge.VoteKind.BUDGET, vote_budget=2)
    a, b, c = (idea_factory(challenge=challenge) for _ in range(3))
    voter = user_factory()
    assert services.vote_cast(voter=voter, idea_id=a.pk).votes_left == 1
    assert services.vote_cast(voter=voter, idea_id=b.pk).votes_left == 0
    error = refused("budget_used", services.vote_cast, voter=voter, idea_id=c.pk)
    assert "2" in error.message
    assert services.vote_withdraw(voter=voter, idea_id=a.pk).votes_left == 1
    services.vote_cast(voter=voter, idea_id=c.pk)
    assert set(Vote.objects.filter(voter=voter).values_list("idea", flat=True)) == {b.pk, c.pk}


def test_budget_counts_per_challenge(challenge_factory, idea_factory, user_factory):
    first = challenge_factory(vote_kind=Challenge.VoteKind.BUDGET, vote_budget=1)
    second = challenge_factory(vote_kind=Challenge.VoteKind.BUDGET, vote_budget=1)
    voter = user_factory()
    services.vote_cast(voter=voter, idea_id=idea_factory(challenge=first).pk)
    # A budget of one in the first challenge does not use up the second one's.
    services.vote_cast(voter=voter, idea_id=idea_factory(challenge=second).pk)
    assert Vote.objects.filter(voter=voter, idea__challenge=first).count() == 1
    assert Vote.objects.filter(voter=voter, idea__challenge=second).count() == 1
    refused("budget_used", services.vote_cast, voter=voter, idea_id=idea_factory(challenge=first).pk)


def test_own_department_rule(challenge_factory, idea_factory, user_factory):
    challenge = challenge_factory(own_department_may_vote=False)
    idea = idea_factory(challenge=challenge)
    colleague = user_factory(department=idea.department)
    refused("own_department", services.vote_cast, voter=colleague, idea_id=idea.pk)
    services.vote_cast(voter=user_factory(), idea_id=idea.pk)


def test_withdraw_needs_an_open_window_and_an_existing_vote(challenge_factory, idea_factory, user_factory):
    idea, voter = idea_factory(), user_factory()
    refused("not_voted", services.vote_withdraw, voter=voter, idea_id=idea.pk)
    services.vote_cast(voter=voter, idea_id=idea.pk)
    later = idea.challenge.voting_end + timedelta(seconds=1)
    refused("window_closed", services.vote_withdraw, voter=voter, idea_id=idea.pk, now=later)


def test_seal_freezes_counts_and_publishes_a_verifiable_digest(challenge_factory, idea_factory, user_factory):
    challenge = challenge_factory()
    ideas = [idea_factory(challenge=challenge) for _ in range(3)]
    voters = [user_factory() for _ in range(3)]
    for i, idea in enumerate(ideas):
        for voter in voters[: i + 1]:
            services.vote_cast(voter=voter, idea_id=idea.pk)
    refused("still_open", services.challenge_seal, challenge_id=challenge.pk)

    after = challenge.voting_end + timedelta(minutes=1)
    Idea.objects.filter(pk=ideas[0].pk).update(vote_count=99)  # drift is healed from the votes
    sealed = services.challenge_seal(challenge_id=challenge.pk, now=after)
    # The documented tally text: "idea number:likes" lines sorted by number, LF between them.
    text = f"{ideas[0].pk}:1\n{ideas[1].pk}:2\n{ideas[2].pk}:3"
    expected = hashlib.sha256(text.encode()).hexdigest()
    assert sealed.seal_digest == expected
    assert list(Idea.objects.filter(challenge=challenge).order_by("pk").values_list("vote_count", flat=True)) == [
        1,
        2,
        3,
    ]
    refused("window_closed", services.vote_cast, voter=user_factory(), idea_id=ideas[0].pk, now=after)
    again = services.challenge_seal(challenge_id=challenge.pk, now=after + timedelta(days=1))
    assert again.seal_digest == expected and again.sealed_at == sealed.sealed_at


def test_merge_moves_only_votes_the_target_did_not_have(idea_factory, user_factory, challenge_factory):
    challenge = challenge_factory()
    source, target = idea_factory(challenge=challenge), idea_factory(challenge=challenge)
    both, only_source = user_factory(), user_factory()
    for voter in (both, only_source):
        services.vote_cast(voter=voter, idea_id=source.pk)
    services.vote_cast(voter=both, idea_id=target.pk)
    # The target's author voted for the duplicate: that vote cannot become a self-vote.
    services.vote_cast(voter=target.author, idea_id=source.pk)

    services.idea_merge(source_id=source.pk, target_id=target.pk, actor=user_factory())
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.status == Idea.Status.MERGED and source.merged_into == target and source.vote_count == 0
    assert set(Vote.objects.filter(idea=target).values_list("voter", flat=True)) == {both.pk, only_source.pk}
    assert target.vote_count == 2 == Vote.objects.filter(idea=target).count()
    assert not Vote.objects.filter(idea=source).exists()
    from apps.notifications.models import Notification

    told = Counter(Notification.objects.filter(kind="idea_merged").values_list("recipient", flat=True))
    assert told == Counter({both.pk: 1, only_source.pk: 1, target.author_id: 1})  # once each
