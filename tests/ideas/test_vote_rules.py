"""The いいね rules of PRODUCT.md, part 3, written from the product and not from the code:
"a voting period (server-enforced, Japan time), rules (one いいね per person per idea, or a
budget of N votes per person; no voting for your own idea)", the per-challenge
own-department setting, and refusals in the user's language.

The window is Fukui's: voting from 10 August to 6 September, i.e. from 10 Aug 00:00:00 JST
up to, not including, 7 Sep 00:00:00 JST. The instants are given in Japan time (and once in
UTC), the way a server clock in another zone would pass them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone, translation

from apps.accounts.roles import Role
from apps.ideas import services
from apps.ideas.models import Challenge, Coauthor, Idea, Vote
from tests.ideas.helpers import jst, refused

pytestmark = pytest.mark.django_db

VOTING_OPENS = jst(2026, 8, 10)  # 10 Aug 00:00:00 JST
VOTING_CLOSES = jst(2026, 9, 7)  # the first instant after 6 Sep 23:59:59 JST


@pytest.fixture
def fukui(challenge_factory, idea_factory):
    challenge = challenge_factory(
        submission_start=jst(2026, 8, 1),
        submission_end=VOTING_CLOSES,
        voting_start=VOTING_OPENS,
        voting_end=VOTING_CLOSES,
    )
    return idea_factory(challenge=challenge)


def _count(idea) -> int:
    return Idea.objects.get(pk=idea.pk).vote_count


@pytest.mark.parametrize(
    ("instant", "open_"),
    [
        (jst(2026, 8, 9, 23, 59, 59), False),  # the last second before voting opens
        (jst(2026, 8, 10, 0, 0, 0), True),  # the first second of the window
        (jst(2026, 9, 6, 23, 59, 59), True),  # the last second of the window
        (jst(2026, 9, 7, 0, 0, 0), False),  # the first second after it
        (datetime(2026, 9, 6, 14, 59, 59, tzinfo=UTC), True),  # 23:59:59 JST, given in UTC
        (datetime(2026, 9, 6, 15, 0, 0, tzinfo=UTC), False),  # 7 Sep 00:00:00 JST, given in UTC
    ],
    ids=["8-9 23:59:59", "8-10 00:00:00", "9-6 23:59:59", "9-7 00:00:00", "UTC 14:59:59", "UTC 15:00:00"],
)
def test_a_vote_counts_exactly_inside_the_japan_time_window(fukui, user_factory, instant, open_):
    voter = user_factory()
    assert fukui.challenge.is_voting_open(instant) is open_
    if open_:
        result = services.vote_cast(voter=voter, idea_id=fukui.pk, now=instant)
        assert (result.voted, result.count) == (True, 1)
        assert _count(fukui) == 1 and Vote.objects.filter(voter=voter, idea=fukui).count() == 1
    else:
        refused("window_closed", 409, services.vote_cast, voter=voter, idea_id=fukui.pk, now=instant)
        assert _count(fukui) == 0 and not Vote.objects.exists()


def test_a_vote_can_be_withdrawn_up_to_the_last_second_and_not_after(fukui, user_factory):
    keeps, changes_mind = user_factory(), user_factory()
    for voter in (keeps, changes_mind):
        services.vote_cast(voter=voter, idea_id=fukui.pk, now=jst(2026, 8, 10, 0, 0, 0))
    refused("window_closed", 409, services.vote_withdraw, voter=keeps, idea_id=fukui.pk, now=VOTING_CLOSES)
    assert Vote.objects.filter(voter=keeps).exists() and _count(fukui) == 2

    result = services.vote_withdraw(voter=changes_mind, idea_id=fukui.pk, now=jst(2026, 9, 6, 23, 59, 59))
    assert (result.voted, result.count, result.used) == (False, 1, 0)
    assert list(Vote.objects.values_list("voter", flat=True)) == [keeps.pk] and _count(fukui) == 1
    # Before the window there was nothing to withdraw, and nothing can be withdrawn either.
    refused(
        "window_closed", 409, services.vote_withdraw, voter=keeps, idea_id=fukui.pk, now=jst(2026, 8, 9, 23, 59, 59)
    )


def test_without_a_clock_given_the_server_clock_decides(challenge_factory, idea_factory, user_factory):
    now = timezone.now()
    open_now = idea_factory()
    ended = idea_factory(
        challenge=challenge_factory(
            submission_start=now - timedelta(days=9),
            submission_end=now - timedelta(days=2),
            voting_start=now - timedelta(days=5),
            voting_end=now - timedelta(seconds=1),
        )
    )
    assert open_now.challenge.is_voting_open() is True and ended.challenge.is_voting_open() is False
    voter = user_factory()
    assert services.vote_cast(voter=voter, idea_id=open_now.pk).count == 1
    assert services.vote_withdraw(voter=voter, idea_id=open_now.pk).count == 0
    refused("window_closed", 409, services.vote_cast, voter=voter, idea_id=ended.pk)


def test_one_iine_per_person_per_idea(idea_factory, user_factory):
    idea = idea_factory()
    first, second = user_factory(), user_factory()
    result = services.vote_cast(voter=first, idea_id=idea.pk)
    assert (result.idea_id, result.voted, result.count, result.used, result.votes_left) == (idea.pk, True, 1, 1, None)
    refused("already_voted", 409, services.vote_cast, voter=first, idea_id=idea.pk)
    assert services.vote_cast(voter=second, idea_id=idea.pk).count == 2
    assert _count(idea) == 2 == Vote.objects.filter(idea=idea).count()
    # One いいね per idea, not one per challenge: the same person likes a second idea too.
    other = idea_factory(challenge=idea.challenge)
    assert services.vote_cast(voter=first, idea_id=other.pk).used == 2


def test_a_budget_of_n_votes_per_person(challenge_factory, idea_factory, user_factory):
    challenge = challenge_factory(vote_kind=Challenge.VoteKind.BUDGET, vote_budget=2)
    a, b, c = (idea_factory(challenge=challenge) for _ in range(3))
    voter = user_factory()
    first = services.vote_cast(voter=voter, idea_id=a.pk)
    assert (first.used, first.votes_left) == (1, 1)
    # A budget is spread over ideas: the same idea still takes one いいね per person.
    refused("already_voted", 409, services.vote_cast, voter=voter, idea_id=a.pk)
    second = services.vote_cast(voter=voter, idea_id=b.pk)
    assert (second.used, second.votes_left) == (2, 0)
    with translation.override("ja"):
        error = refused("budget_used", 409, services.vote_cast, voter=voter, idea_id=c.pk)
    assert error.message == (
        "このチャレンジでのいいね 2 回をすべて使いました。"
        "別のアイデアにいいねするには、いずれかのいいねを取り消してください。"
    )
    assert _count(c) == 0
    back = services.vote_withdraw(voter=voter, idea_id=a.pk)
    assert (back.voted, back.count, back.used, back.votes_left) == (False, 0, 1, 1)
    assert services.vote_cast(voter=voter, idea_id=c.pk).votes_left == 0
    assert sorted(Vote.objects.filter(voter=voter).values_list("idea", flat=True)) == [b.pk, c.pk]
    # Someone else's budget is their own.
    assert services.vote_cast(voter=user_factory(), idea_id=c.pk).votes_left == 1


def test_a_budget_of_one(challenge_factory, idea_factory, user_factory):
    challenge = challenge_factory(vote_kind=Challenge.VoteKind.BUDGET, vote_budget=1)
    a, b = idea_factory(challenge=challenge), idea_factory(challenge=challenge)
    voter = user_factory()
    assert services.vote_cast(voter=voter, idea_id=a.pk).votes_left == 0
    refused("budget_used", 409, services.vote_cast, voter=voter, idea_id=b.pk)
    assert Vote.objects.filter(voter=voter).count() == 1


@pytest.mark.parametrize("role", [None, Role.COE, Role.MANAGER, Role.ADMIN])
def test_nobody_votes_for_their_own_idea_whatever_their_role(idea_factory, user_factory, role):
    author = user_factory(roles=[role] if role else [])
    idea = idea_factory(author=author)
    with translation.override("ja"):
        error = refused("own_idea", 403, services.vote_cast, voter=author, idea_id=idea.pk)
    assert error.message == "自分のアイデアにはいいねできません。"
    assert _count(idea) == 0 and not Vote.objects.exists()


@pytest.mark.parametrize(
    ("status", "may_vote"),
    [(Coauthor.Status.ACCEPTED, False), (Coauthor.Status.INVITED, True), (Coauthor.Status.DECLINED, True)],
)
def test_an_accepted_coauthor_is_an_author_an_invited_or_declined_one_is_not(
    idea_factory, user_factory, status, may_vote
):
    idea = idea_factory()
    person = user_factory()
    Coauthor.objects.create(idea=idea, user=person, status=status)
    if may_vote:
        assert services.vote_cast(voter=person, idea_id=idea.pk).count == 1
    else:
        refused("own_idea", 403, services.vote_cast, voter=person, idea_id=idea.pk)
        assert _count(idea) == 0


def test_a_coauthor_of_one_idea_may_vote_for_the_others(idea_factory, user_factory):
    idea = idea_factory()
    other = idea_factory(challenge=idea.challenge)
    person = user_factory()
    Coauthor.objects.create(idea=idea, user=person, status=Coauthor.Status.ACCEPTED)
    assert services.vote_cast(voter=person, idea_id=other.pk).count == 1


def test_own_department_rule_refuses_a_same_department_colleague(
    challenge_factory, idea_factory, user_factory, department_factory
):
    """The colleague is plain staff in the author's section, not the author, not a manager."""
    challenge = challenge_factory(own_department_may_vote=False)
    section = department_factory()
    idea = idea_factory(challenge=challenge, author=user_factory(department=section), department=section)
    colleague = user_factory(department=section)
    with translation.override("ja"):
        error = refused("own_department", 403, services.vote_cast, voter=colleague, idea_id=idea.pk)
    assert error.message == "このチャレンジでは、アイデアの提案者と同じ所属の職員はいいねできません。"
    assert _count(idea) == 0
    assert services.vote_cast(voter=user_factory(department=department_factory()), idea_id=idea.pk).count == 1


def test_own_department_is_the_ideas_department(challenge_factory, idea_factory, user_factory, department_factory):
    """An idea filed for another section (the author's department at the time, or one chosen)
    is that section's own: its staff may not vote, the author's present colleagues may."""
    challenge = challenge_factory(own_department_may_vote=False)
    authors_section, ideas_section = department_factory(), department_factory()
    idea = idea_factory(challenge=challenge, author=user_factory(department=authors_section), department=ideas_section)
    refused("own_department", 403, services.vote_cast, voter=user_factory(department=ideas_section), idea_id=idea.pk)
    assert services.vote_cast(voter=user_factory(department=authors_section), idea_id=idea.pk).count == 1


def test_own_department_rule_does_not_match_no_department_with_no_department(
    challenge_factory, idea_factory, user_factory
):
    challenge = challenge_factory(own_department_may_vote=False)
    idea = idea_factory(challenge=challenge, author=user_factory(department=None), department=None)
    assert services.vote_cast(voter=user_factory(department=None), idea_id=idea.pk).count == 1


def test_by_default_the_own_department_may_vote(challenge_factory, idea_factory, user_factory, department_factory):
    section = department_factory()
    idea = idea_factory(challenge=challenge_factory(), author=user_factory(department=section), department=section)
    assert services.vote_cast(voter=user_factory(department=section), idea_id=idea.pk).count == 1


@pytest.mark.parametrize(
    "status",
    [Idea.Status.DRAFT, Idea.Status.SUBMITTED, Idea.Status.RETURNED, Idea.Status.WITHDRAWN, Idea.Status.MERGED],
)
def test_only_published_ideas_take_votes(idea_factory, user_factory, status):
    idea = idea_factory(status=status)
    voter = user_factory()
    refused("not_votable", 404, services.vote_cast, voter=voter, idea_id=idea.pk)
    refused("not_votable", 404, services.vote_withdraw, voter=voter, idea_id=idea.pk)
    assert not Vote.objects.exists()


def test_an_idea_that_does_not_exist_is_not_found(user_factory):
    with translation.override("ja"):
        error = refused("not_votable", 404, services.vote_cast, voter=user_factory(), idea_id=987654321)
    assert error.message == "このアイデアにはいいねできません。"


def test_each_refusal_says_why_in_japanese(fukui, user_factory):
    voter = user_factory()
    with translation.override("ja"):
        closed = refused("window_closed", 409, services.vote_cast, voter=voter, idea_id=fukui.pk, now=VOTING_CLOSES)
        not_voted = refused("not_voted", 409, services.vote_withdraw, voter=voter, idea_id=fukui.pk, now=VOTING_OPENS)
        services.vote_cast(voter=voter, idea_id=fukui.pk, now=VOTING_OPENS)
        twice = refused("already_voted", 409, services.vote_cast, voter=voter, idea_id=fukui.pk, now=VOTING_OPENS)
        too_late = refused(
            "window_closed", 409, services.vote_withdraw, voter=voter, idea_id=fukui.pk, now=VOTING_CLOSES
        )
    assert closed.message == "このチャレンジは現在いいねを受け付けていません。"
    assert not_voted.message == "このアイデアにはいいねしていません。"
    assert twice.message == "このアイデアには既にいいねしています。"
    assert too_late.message == "このチャレンジのいいねの受付は終了しました。いいねの変更はできません。"


def test_a_vote_is_counted_for_the_department_the_voter_was_in(idea_factory, user_factory, department_factory):
    """Reports count votes per department "for the voter's department when they voted"."""
    before, after = department_factory(), department_factory()
    voter = user_factory(department=before)
    idea = idea_factory()
    services.vote_cast(voter=voter, idea_id=idea.pk)
    voter.department = after
    voter.save()
    vote = Vote.objects.get()
    assert (vote.voter_department_id, vote.challenge_id, vote.idea_id) == (before.pk, idea.challenge_id, idea.pk)
