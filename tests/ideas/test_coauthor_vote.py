"""A vote followed by the voter accepting a co-author invitation for that idea.

PRODUCT.md says "no voting for your own idea" and that ideas have co-authors; it does not say
whether an idea one co-authors is one's own, nor what becomes of a vote given before joining.
The code's documented intent (services.coauthor_answer: "A new co-author may not keep a vote
on their own idea"; vote_cast refuses an accepted co-author) is tested here: accepting takes
the vote back, with the count and the voter's budget, and no new vote is possible. Once voting
has closed, votes can no longer change (vote_withdraw) and the tally is frozen (challenge_seal):
accepting then leaves the vote where it is, so the sealed digest still checks."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone, translation

from apps.core.exceptions import RuleError
from apps.ideas import selectors, services
from apps.ideas.models import Challenge, Coauthor, Idea, IdeaEvent, Vote
from tests.factories import UserFactory
from tests.ideas.factories import IdeaFactory
from tests.ideas.helpers import jst, refused, tally_digest

pytestmark = pytest.mark.django_db


def _count(idea) -> int:
    return Idea.objects.get(pk=idea.pk).vote_count


def _invite_and_answer(idea, person, *, accept: bool) -> Coauthor:
    services.coauthor_invite(idea_id=idea.pk, actor=idea.author, user=person)
    return services.coauthor_answer(idea_id=idea.pk, user=person, accept=accept)


def test_accepting_takes_the_vote_back_and_no_new_vote_is_possible(idea_factory, user_factory):
    idea = idea_factory()
    joiner, other_voter = user_factory(), user_factory()
    services.vote_cast(voter=joiner, idea_id=idea.pk)
    services.vote_cast(voter=other_voter, idea_id=idea.pk)
    assert _count(idea) == 2

    answered = _invite_and_answer(idea, joiner, accept=True)
    assert answered.status == Coauthor.Status.ACCEPTED
    assert Coauthor.objects.get(idea=idea, user=joiner).status == Coauthor.Status.ACCEPTED
    assert list(Vote.objects.filter(idea=idea).values_list("voter", flat=True)) == [other_voter.pk]
    assert _count(idea) == 1  # the counter follows the votes
    refused("own_idea", 403, services.vote_cast, voter=joiner, idea_id=idea.pk)
    assert _count(idea) == 1
    assert list(IdeaEvent.objects.filter(idea=idea).values_list("action", "actor")) == [
        ("coauthor_invited", idea.author_id),
        ("coauthor_accepted", joiner.pk),
    ]


def test_accepting_gives_the_vote_back_to_the_voters_budget(challenge_factory, idea_factory, user_factory):
    challenge = challenge_factory(vote_kind=Challenge.VoteKind.BUDGET, vote_budget=1)
    joined, elsewhere = idea_factory(challenge=challenge), idea_factory(challenge=challenge)
    voter = user_factory()
    services.vote_cast(voter=voter, idea_id=joined.pk)
    refused("budget_used", 409, services.vote_cast, voter=voter, idea_id=elsewhere.pk)
    _invite_and_answer(joined, voter, accept=True)
    assert selectors.budget_for(challenge, voter).left == 1
    assert services.vote_cast(voter=voter, idea_id=elsewhere.pk).votes_left == 0
    assert (_count(joined), _count(elsewhere)) == (0, 1)


def test_declining_keeps_the_vote(idea_factory, user_factory):
    idea = idea_factory()
    voter = user_factory()
    services.vote_cast(voter=voter, idea_id=idea.pk)
    answered = _invite_and_answer(idea, voter, accept=False)
    assert answered.status == Coauthor.Status.DECLINED
    assert Coauthor.objects.get(idea=idea, user=voter).status == Coauthor.Status.DECLINED
    assert Vote.objects.filter(idea=idea, voter=voter).exists() and _count(idea) == 1
    assert IdeaEvent.objects.filter(idea=idea).latest("pk").action == "coauthor_declined"
    # Still a voter like any other: the vote can be withdrawn and given again.
    assert services.vote_withdraw(voter=voter, idea_id=idea.pk).count == 0
    assert services.vote_cast(voter=voter, idea_id=idea.pk).count == 1


def test_accepting_without_a_vote_changes_no_count(idea_factory, user_factory):
    idea = idea_factory()
    voters = [user_factory() for _ in range(2)]
    for voter in voters:
        services.vote_cast(voter=voter, idea_id=idea.pk)
    _invite_and_answer(idea, user_factory(), accept=True)
    assert _count(idea) == 2 == Vote.objects.filter(idea=idea).count()


def test_a_vote_for_another_idea_is_kept_on_accepting(idea_factory, user_factory):
    joined = idea_factory()
    other = idea_factory(challenge=joined.challenge)
    voter = user_factory()
    services.vote_cast(voter=voter, idea_id=joined.pk)
    services.vote_cast(voter=voter, idea_id=other.pk)
    _invite_and_answer(joined, voter, accept=True)
    assert list(Vote.objects.filter(voter=voter).values_list("idea", flat=True)) == [other.pk]
    assert (_count(joined), _count(other)) == (0, 1)


def test_an_invitation_is_answered_once_and_only_by_the_invited(idea_factory, user_factory):
    idea = idea_factory()
    invited, stranger = user_factory(), user_factory()
    services.coauthor_invite(idea_id=idea.pk, actor=idea.author, user=invited)
    with translation.override("ja"):
        error = refused("no_invitation", 404, services.coauthor_answer, idea_id=idea.pk, user=stranger, accept=True)
    assert error.message == "このアイデアへの、あなた宛ての未回答の招待はありません。"
    assert not Coauthor.objects.filter(user=stranger).exists()
    services.coauthor_answer(idea_id=idea.pk, user=invited, accept=False)
    refused("no_invitation", 404, services.coauthor_answer, idea_id=idea.pk, user=invited, accept=True)
    assert Coauthor.objects.get(user=invited).status == Coauthor.Status.DECLINED


@pytest.fixture
def voted_then_closed(challenge_factory, idea_factory, user_factory):
    """Voting closed a minute ago; the idea has two votes, one from the person the author
    then invites."""
    now = timezone.now()
    challenge = challenge_factory(
        submission_start=now - timedelta(days=20),
        submission_end=now - timedelta(days=2),
        voting_start=now - timedelta(days=10),
        voting_end=now - timedelta(minutes=1),
    )
    idea = idea_factory(challenge=challenge)
    voter, other = user_factory(), user_factory()
    during = now - timedelta(days=1)
    for person in (voter, other):
        services.vote_cast(voter=person, idea_id=idea.pk, now=during)
    return idea, voter


def test_after_voting_closed_accepting_changes_no_vote(voted_then_closed):
    idea, voter = voted_then_closed
    _invite_and_answer(idea, voter, accept=True)
    assert Coauthor.objects.get(idea=idea, user=voter).status == Coauthor.Status.ACCEPTED
    assert Vote.objects.filter(idea=idea).count() == 2 and _count(idea) == 2


@pytest.mark.parametrize(
    ("instant", "vote_kept"),
    [(jst(2026, 9, 6, 23, 59, 59), False), (jst(2026, 9, 7, 0, 0, 0), True)],
    ids=["last second of voting", "first second after"],
)
def test_the_close_of_voting_to_the_second_in_japan_time(
    challenge_factory, idea_factory, user_factory, instant, vote_kept
):
    challenge = challenge_factory(
        submission_start=jst(2026, 8, 1),
        submission_end=jst(2026, 9, 7),
        voting_start=jst(2026, 8, 10),
        voting_end=jst(2026, 9, 7),
    )
    idea = idea_factory(challenge=challenge)
    voter = user_factory()
    services.vote_cast(voter=voter, idea_id=idea.pk, now=jst(2026, 8, 20))
    services.coauthor_invite(idea_id=idea.pk, actor=idea.author, user=voter)
    services.coauthor_answer(idea_id=idea.pk, user=voter, accept=True, now=instant)
    assert Vote.objects.filter(idea=idea, voter=voter).exists() is vote_kept
    assert _count(idea) == (1 if vote_kept else 0)


def test_accepting_after_the_seal_leaves_the_sealed_tally_true(voted_then_closed):
    idea, voter = voted_then_closed
    sealed = services.challenge_seal(challenge_id=idea.challenge_id)
    assert sealed.seal_digest == tally_digest([f"{idea.pk}:2"])
    _invite_and_answer(idea, voter, accept=True)
    results = selectors.results_for(Challenge.objects.get(pk=idea.challenge_id))
    assert results.lines == [f"{idea.pk}:2"]
    assert results.digest_matches is True


# --- at the same moment ----------------------------------------------------------------------
# PostgreSQL only: SQLite's immediate transactions let one writer in at a time, so an
# acceptance that is not yet committed while another connection votes cannot happen there.


def _until_blocked_or_done(thread: threading.Thread) -> None:
    """Wait (up to 10 s) until the thread's connection waits for a row lock or the thread ended."""
    deadline = time.monotonic() + 10
    while thread.is_alive() and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)


def _in_thread(fn, outcome: dict) -> threading.Thread:
    def run():
        try:
            fn()
            outcome["result"] = "done"
        except RuleError as error:
            outcome["result"] = error.code
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["accept", "vote"])
def test_a_vote_and_an_acceptance_at_the_same_moment_leave_no_vote(first):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: the two cannot overlap there")
    idea, voter = IdeaFactory(), UserFactory()
    services.coauthor_invite(idea_id=idea.pk, actor=idea.author, user=voter)

    def accept():
        services.coauthor_answer(idea_id=idea.pk, user=voter, accept=True)

    def vote():
        services.vote_cast(voter=voter, idea_id=idea.pk)

    held, other = (accept, vote) if first == "accept" else (vote, accept)
    outcome: dict = {}
    with transaction.atomic():  # the first change, not yet committed while the second arrives
        held()
        thread = _in_thread(other, outcome)
        _until_blocked_or_done(thread)
    thread.join()
    assert outcome == {"result": "own_idea" if first == "accept" else "done"}
    assert Coauthor.objects.get(idea=idea, user=voter).status == Coauthor.Status.ACCEPTED
    assert not Vote.objects.filter(idea=idea).exists() and _count(idea) == 0


def test_accepting_one_invitation_leaves_the_others_and_the_votes_for_other_ideas(idea_factory, user_factory):
    """Accepting to co-author one idea answers that invitation only, and takes back only a vote
    for that idea: the person's いいね for another idea and their other invitation stay."""
    joined, liked, also_inviting = idea_factory(), idea_factory(), idea_factory()
    person = user_factory()
    services.vote_cast(voter=user_factory(), idea_id=joined.pk)  # somebody else's vote on it
    services.vote_cast(voter=person, idea_id=liked.pk)
    services.coauthor_invite(idea_id=also_inviting.pk, actor=also_inviting.author, user=person)

    _invite_and_answer(joined, person, accept=True)

    assert Coauthor.objects.get(idea=also_inviting, user=person).status == Coauthor.Status.INVITED
    assert (_count(joined), _count(liked)) == (1, 1)
    assert list(Vote.objects.filter(voter=person).values_list("idea", flat=True)) == [liked.pk]
