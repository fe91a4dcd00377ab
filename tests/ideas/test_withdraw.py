"""An author withdrawing their idea: only the author (a co-author may edit, not withdraw),
once, never after the tally is sealed; its votes go with it, so its voters get their budget
back, and it is no longer shown or found."""

import pytest
from django.utils import translation

from apps.ideas import selectors, services
from apps.ideas.models import Challenge, Coauthor, Idea, IdeaEvent, Vote
from apps.search.models import SearchDocument
from apps.search.services import search_index_update
from tests.ideas.helpers import refused

pytestmark = pytest.mark.django_db


def test_the_author_withdraws_and_the_votes_go_back_to_the_voters(challenge_factory, idea_factory, user_factory):
    challenge = challenge_factory(vote_kind=Challenge.VoteKind.BUDGET, vote_budget=1)
    idea, other = idea_factory(challenge=challenge), idea_factory(challenge=challenge)
    search_index_update(obj=idea)
    assert SearchDocument.objects.filter(kind="idea", object_id=idea.pk).exists()
    voters = [user_factory() for _ in range(2)]
    for voter in voters:
        services.vote_cast(voter=voter, idea_id=idea.pk)
    withdrawn = services.idea_withdraw(idea_id=idea.pk, actor=idea.author)

    stored = Idea.objects.get(pk=idea.pk)
    assert (withdrawn.status, stored.status, stored.vote_count) == (Idea.Status.WITHDRAWN, Idea.Status.WITHDRAWN, 0)
    assert not Vote.objects.filter(idea=idea).exists()
    assert [selectors.budget_for(challenge, v).left for v in voters] == [1, 1]
    assert services.vote_cast(voter=voters[0], idea_id=other.pk).count == 1
    event = IdeaEvent.objects.filter(idea=idea).latest("pk")
    assert (event.action, event.actor) == ("withdrawn", idea.author)  # the history says who withdrew it
    assert not SearchDocument.objects.filter(kind="idea", object_id=idea.pk).exists()
    refused("not_votable", 404, services.vote_cast, voter=voters[1], idea_id=idea.pk)


def test_a_coauthor_or_anyone_else_cannot_withdraw(idea_factory, user_factory):
    idea = idea_factory()
    coauthor = user_factory()
    Coauthor.objects.create(idea=idea, user=coauthor, status=Coauthor.Status.ACCEPTED)
    services.vote_cast(voter=user_factory(), idea_id=idea.pk)
    with translation.override("ja"):
        error = refused("not_author", 403, services.idea_withdraw, idea_id=idea.pk, actor=coauthor)
    assert error.message == "アイデアを取り下げられるのは提案者のみです。"
    refused("not_author", 403, services.idea_withdraw, idea_id=idea.pk, actor=user_factory())
    stored = Idea.objects.get(pk=idea.pk)
    assert (stored.status, stored.vote_count, Vote.objects.filter(idea=idea).count()) == (Idea.Status.APPROVED, 1, 1)


@pytest.mark.parametrize("status", [Idea.Status.WITHDRAWN, Idea.Status.MERGED])
def test_a_withdrawn_or_merged_idea_is_not_withdrawn_again(idea_factory, status):
    idea = idea_factory(status=status)
    with translation.override("ja"):
        error = refused("bad_state", 409, services.idea_withdraw, idea_id=idea.pk, actor=idea.author)
    assert error.message == "このアイデアは既に取り下げられています。"
    assert Idea.objects.get(pk=idea.pk).status == status
    assert not IdeaEvent.objects.filter(idea=idea).exists()


@pytest.mark.parametrize("status", [Idea.Status.DRAFT, Idea.Status.SUBMITTED, Idea.Status.RETURNED])
def test_an_unpublished_idea_can_be_withdrawn_by_its_author(idea_factory, status):
    idea = idea_factory(status=status)
    services.idea_withdraw(idea_id=idea.pk, actor=idea.author)
    assert Idea.objects.get(pk=idea.pk).status == Idea.Status.WITHDRAWN
