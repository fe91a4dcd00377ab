"""Merging a duplicate into another idea (COE moderation, PRODUCT.md part 3).

From the product: one いいね per person per idea (so a voter of both ideas keeps one vote,
counted once), no voting for your own idea (so a vote never moves onto an idea its voter
wrote or co-authors), exact counts, and the voters of the duplicate are told once each."""

from collections import Counter

import pytest
from django.urls import reverse
from django.utils import translation

from apps.accounts.roles import Role
from apps.ideas import selectors, services
from apps.ideas.models import Challenge, Coauthor, Idea, IdeaEvent, Vote
from apps.notifications.models import Notification
from tests.ideas.helpers import refused

pytestmark = pytest.mark.django_db


def _count(idea) -> int:
    return Idea.objects.get(pk=idea.pk).vote_count


@pytest.fixture
def duplicate(challenge_factory, idea_factory, user_factory):
    """A duplicate (source) with five voters and the idea it is merged into (target) with two.

    - `both` liked both ideas, `only_source` the duplicate only, `only_target` the target only;
    - the target's author, its accepted co-author and its invited (not yet accepted) co-author
      each liked the duplicate."""
    challenge = challenge_factory(vote_kind=Challenge.VoteKind.BUDGET, vote_budget=2)
    source = idea_factory(challenge=challenge, title="重複したアイデア")
    target = idea_factory(challenge=challenge, title="統合先のアイデア")
    people = {name: user_factory() for name in ("both", "only_source", "only_target", "coauthor", "invited")}
    people["target_author"] = target.author
    Coauthor.objects.create(idea=target, user=people["coauthor"], status=Coauthor.Status.ACCEPTED)
    Coauthor.objects.create(idea=target, user=people["invited"], status=Coauthor.Status.INVITED)
    for name in ("both", "only_source", "coauthor", "invited", "target_author"):
        services.vote_cast(voter=people[name], idea_id=source.pk)
    for name in ("both", "only_target"):
        services.vote_cast(voter=people[name], idea_id=target.pk)
    assert (_count(source), _count(target)) == (5, 2)
    return source, target, people, user_factory(roles=[Role.COE])


def test_votes_move_once_and_never_onto_ones_own_idea(duplicate):
    source, target, people, coe = duplicate
    merged_into = services.idea_merge(source_id=source.pk, target_id=target.pk, actor=coe)
    assert merged_into.pk == target.pk
    voters = set(Vote.objects.filter(idea=target).values_list("voter", flat=True))
    # `both` counted once; the author and the accepted co-author are not given a self-vote;
    # the invited co-author is not an author yet, so their vote moves like anyone's.
    assert voters == {people[n].pk for n in ("both", "only_target", "only_source", "invited")}
    assert _count(target) == 4
    assert not Vote.objects.filter(idea=source).exists() and _count(source) == 0
    merged = Idea.objects.get(pk=source.pk)
    assert (merged.status, merged.merged_into_id) == (Idea.Status.MERGED, target.pk)
    # Every moved vote is still in the same challenge, from the same department.
    moved = Vote.objects.get(idea=target, voter=people["only_source"])
    assert (moved.challenge_id, moved.voter_department_id) == (target.challenge_id, people["only_source"].department_id)


def test_a_vote_given_to_both_ideas_is_given_back_to_the_budget(duplicate):
    source, target, people, coe = duplicate
    challenge = target.challenge
    assert selectors.budget_for(challenge, people["both"]).used == 2
    services.idea_merge(source_id=source.pk, target_id=target.pk, actor=coe)
    assert selectors.budget_for(challenge, people["both"]).used == 1
    assert selectors.budget_for(challenge, people["only_source"]).used == 1
    assert selectors.budget_for(challenge, people["target_author"]).used == 0


def test_voters_of_the_duplicate_are_told_once_each(duplicate):
    source, target, people, coe = duplicate
    services.idea_merge(source_id=source.pk, target_id=target.pk, actor=coe)
    told = Counter(Notification.objects.filter(kind="idea_merged").values_list("recipient", flat=True))
    # Whether their vote moved or not; those who liked only the target learn nothing new.
    expected = {people[n].pk: 1 for n in ("both", "only_source", "coauthor", "invited", "target_author")}
    assert dict(told) == expected
    notice = Notification.objects.filter(kind="idea_merged").first()
    assert notice.params == {"title": "重複したアイデア", "target": "統合先のアイデア"}
    assert notice.url == reverse("ideas:idea_detail", args=[target.pk])
    assert notice.actor_id == coe.pk


def test_the_history_of_both_ideas_says_so(duplicate):
    source, target, _people, coe = duplicate
    services.idea_merge(source_id=source.pk, target_id=target.pk, actor=coe)
    assert list(IdeaEvent.objects.filter(idea=source).values_list("action", "note", "actor")) == [
        ("merged", "統合先のアイデア", coe.pk)
    ]
    assert list(IdeaEvent.objects.filter(idea=target).values_list("action", "note", "actor")) == [
        ("merged_from", "重複したアイデア", coe.pk)
    ]


def test_a_co_author_invited_before_the_merge_who_accepts_after_it_loses_the_moved_vote(duplicate):
    source, target, people, coe = duplicate
    services.idea_merge(source_id=source.pk, target_id=target.pk, actor=coe)
    services.coauthor_answer(idea_id=target.pk, user=people["invited"], accept=True)
    assert not Vote.objects.filter(idea=target, voter=people["invited"]).exists()
    assert _count(target) == 3 == Vote.objects.filter(idea=target).count()


def test_after_the_merge_the_duplicate_takes_no_vote(duplicate, user_factory):
    source, target, people, coe = duplicate
    services.idea_merge(source_id=source.pk, target_id=target.pk, actor=coe)
    refused("not_votable", 404, services.vote_cast, voter=user_factory(), idea_id=source.pk)
    refused("already_voted", 409, services.vote_cast, voter=people["only_source"], idea_id=target.pk)
    assert _count(target) == 4


def _nothing_changed(source, target) -> None:
    assert Idea.objects.get(pk=source.pk).status == Idea.Status.APPROVED
    assert (_count(source), _count(target)) == (5, 2)
    assert Vote.objects.filter(idea=source).count() == 5 and Vote.objects.filter(idea=target).count() == 2
    assert not Notification.objects.filter(kind="idea_merged").exists()


def test_an_idea_is_not_merged_into_itself(duplicate):
    source, target, _people, coe = duplicate
    with translation.override("ja"):
        error = refused("same", 400, services.idea_merge, source_id=source.pk, target_id=source.pk, actor=coe)
    assert error.message == "アイデアを同じアイデアに統合することはできません。"
    _nothing_changed(source, target)


def test_ideas_of_different_challenges_are_not_merged(duplicate, idea_factory):
    source, target, _people, coe = duplicate
    elsewhere = idea_factory()
    with translation.override("ja"):
        error = refused(
            "other_challenge", 400, services.idea_merge, source_id=source.pk, target_id=elsewhere.pk, actor=coe
        )
    assert error.message == "統合できるのは、同じチャレンジのアイデアのみです。"
    _nothing_changed(source, target)


@pytest.mark.parametrize("status", [Idea.Status.SUBMITTED, Idea.Status.WITHDRAWN, Idea.Status.MERGED])
def test_only_a_published_idea_can_take_a_duplicate(duplicate, status):
    source, target, _people, coe = duplicate
    Idea.objects.filter(pk=target.pk).update(status=status)
    with translation.override("ja"):
        error = refused(
            "target_not_published", 409, services.idea_merge, source_id=source.pk, target_id=target.pk, actor=coe
        )
    assert error.message == "統合先にできるのは公開中のアイデアのみです。"
    Idea.objects.filter(pk=target.pk).update(status=Idea.Status.APPROVED)
    _nothing_changed(source, target)


def test_a_merged_idea_is_not_merged_again(duplicate, idea_factory):
    source, target, _people, coe = duplicate
    third = idea_factory(challenge=target.challenge)
    services.idea_merge(source_id=source.pk, target_id=target.pk, actor=coe)
    with translation.override("ja"):
        error = refused("bad_state", 409, services.idea_merge, source_id=source.pk, target_id=third.pk, actor=coe)
    assert error.message == "このアイデアは既に統合されています。"
    assert Idea.objects.get(pk=source.pk).merged_into_id == target.pk
    assert _count(third) == 0 and _count(target) == 4


def test_nothing_is_merged_once_the_tally_is_sealed(duplicate):
    source, target, _people, coe = duplicate
    Challenge.objects.filter(pk=target.challenge_id).update(sealed_at=target.challenge.voting_start)
    with translation.override("ja"):
        error = refused("sealed", 409, services.idea_merge, source_id=source.pk, target_id=target.pk, actor=coe)
    assert error.message == "このチャレンジの集計結果は確定済みのため、アイデアの状態は変更できません。"
    _nothing_changed(source, target)


def test_the_duplicates_voters_keep_their_votes_for_other_ideas(duplicate, idea_factory):
    """Only the votes given to the duplicate move: a voter's いいね for a third idea stays there."""
    source, target, people, coe = duplicate
    third = idea_factory(challenge=source.challenge, title="別のアイデア")
    Challenge.objects.filter(pk=source.challenge_id).update(vote_budget=3)
    services.vote_cast(voter=people["only_source"], idea_id=third.pk)

    services.idea_merge(source_id=source.pk, target_id=target.pk, actor=coe)

    assert list(Vote.objects.filter(idea=third).values_list("voter", flat=True)) == [people["only_source"].pk]
    assert _count(third) == 1
