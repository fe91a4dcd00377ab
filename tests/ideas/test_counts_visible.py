"""Who sees vote counts, when (PRODUCT.md part 3: "While voting is open, counts can be hidden
to avoid herding (a per-challenge setting)"; "Everywhere": an administrator "is bound by the
product's rules like everyone else (hidden counts, drafts, ratings)").

The table below is written by hand. With the hide setting, counts are hidden from everybody
before and while voting is open (the COE included: herding is the point); between the close of
voting and the results only the COE sees them (to prepare the results); after the results are
published whoever may see the results sees them. Administrators and managers are staff here."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.ideas import selectors, services
from apps.ideas.models import Challenge, Idea, Vote

pytestmark = pytest.mark.django_db

ROLES = ("staff", "author", "coe", "manager", "admin")
ALL, NONE, COE = frozenset(ROLES), frozenset(), frozenset({"coe"})


def _phase(name: str) -> dict:
    now = timezone.now()
    day = timedelta(days=1)
    start = now - 30 * day
    windows = {
        "before voting": (now - day, now + day, now + 2 * day, now + 9 * day, None),
        "voting open": (start, now + day, now - day, now + 9 * day, None),
        "voting closed": (start, now - 3 * day, now - 9 * day, now - 2 * day, None),
        "results scheduled": (start, now - 3 * day, now - 9 * day, now - 2 * day, now + day),
        "results published": (start, now - 3 * day, now - 9 * day, now - 2 * day, now - day),
    }
    sub_start, sub_end, vote_start, vote_end, published = windows[name]
    return {
        "submission_start": sub_start,
        "submission_end": sub_end,
        "voting_start": vote_start,
        "voting_end": vote_end,
        "results_published_at": published,
    }


@pytest.fixture
def people(user_factory):
    return {
        "staff": user_factory(),
        "author": user_factory(),
        "coe": user_factory(roles=[Role.COE]),
        "manager": user_factory(roles=[Role.MANAGER]),
        "admin": user_factory(roles=[Role.ADMIN]),
    }


# (phase, hide setting, results for, who sees the counts)
TABLE = [
    ("before voting", True, "all", NONE),
    ("voting open", True, "all", NONE),
    ("voting closed", True, "all", COE),
    ("results scheduled", True, "all", COE),
    ("results published", True, "all", ALL),
    ("results published", True, "coe", COE),
    ("before voting", False, "all", ALL),
    ("voting open", False, "all", ALL),
    ("voting closed", False, "all", ALL),
    ("results published", False, "coe", ALL),
]


@pytest.mark.parametrize(
    ("phase", "hide", "results_for", "who"), TABLE, ids=[f"{r[0]}|hide={r[1]}|{r[2]}" for r in TABLE]
)
def test_who_sees_the_counts(challenge_factory, idea_factory, people, phase, hide, results_for, who):
    challenge = challenge_factory(hide_counts_while_voting=hide, results_visibility=results_for, **_phase(phase))
    idea = idea_factory(challenge=challenge, author=people["author"])
    Idea.objects.filter(pk=idea.pk).update(vote_count=4)
    seen = {role for role in ROLES if selectors.counts_visible(challenge, people[role])}
    assert seen == set(who)
    # The idea as the idea page gets it: the number, or nothing at all.
    for role in ROLES:
        shown = selectors.idea_detail_for_user(people[role], idea.pk)
        expected = 4 if role in who else None
        assert (shown.vote_count, shown.visible_count) == (expected, expected), role


def test_hidden_from_the_closing_second_and_shown_from_the_publishing_second(challenge_factory, people):
    """The instants are passed to the check; the phases around them are those of the table."""
    challenge = challenge_factory(hide_counts_while_voting=True, **_phase("results published"))
    closes, published = challenge.voting_end, challenge.results_published_at
    second = timedelta(seconds=1)
    assert selectors.counts_visible(challenge, people["coe"], closes - second) is False
    assert selectors.counts_visible(challenge, people["coe"], closes) is True
    assert selectors.counts_visible(challenge, people["staff"], closes) is False
    assert selectors.counts_visible(challenge, people["staff"], published - second) is False
    assert selectors.counts_visible(challenge, people["staff"], published) is True
    assert selectors.counts_visible(challenge, people["admin"], published) is True


def test_the_button_after_a_vote_shows_no_count_while_hidden(challenge_factory, idea_factory, people, user_factory):
    hidden = challenge_factory(hide_counts_while_voting=True, vote_kind=Challenge.VoteKind.BUDGET, vote_budget=3)
    shown = challenge_factory(vote_kind=Challenge.VoteKind.BUDGET, vote_budget=3)
    for challenge in (hidden, shown):
        idea = idea_factory(challenge=challenge)
        services.vote_cast(voter=user_factory(), idea_id=idea.pk)
        for role in ("staff", "coe", "admin"):
            services.vote_cast(voter=people[role], idea_id=idea.pk)
            idea = Idea.objects.select_related("challenge").get(pk=idea.pk)
            has_voted, budget = selectors.vote_state_refresh(idea, people[role])
            assert (has_voted, budget.used, budget.total, budget.left) == (True, 1, 3, 2)
            expected = None if challenge is hidden else Vote.objects.filter(idea=idea).count()
            assert (idea.vote_count, idea.visible_count) == (expected, expected), role
    # Someone who has not voted for it sees that, and their whole budget in its challenge,
    # though they liked ideas elsewhere (another challenge, another idea of this one).
    idea = Idea.objects.select_related("challenge").filter(challenge=shown).get()
    services.vote_cast(voter=people["manager"], idea_id=Idea.objects.get(challenge=hidden).pk)
    has_voted, budget = selectors.vote_state_refresh(idea, people["manager"])
    assert (has_voted, budget.used, budget.left, idea.vote_count) == (False, 0, 3, 4)
    services.vote_cast(voter=people["manager"], idea_id=idea_factory(challenge=shown).pk)
    has_voted, budget = selectors.vote_state_refresh(idea, people["manager"])
    assert (has_voted, budget.used, budget.left) == (False, 1, 2)


def test_the_button_after_voting_closed_shows_the_count_to_the_coe_only(challenge_factory, idea_factory, people):
    """A refused いいね after the close redraws the button: the COE, preparing the results, sees
    the count; staff and administrators do not; a second before the close nobody did."""
    challenge = challenge_factory(hide_counts_while_voting=True, **_phase("voting closed"))
    idea = idea_factory(challenge=challenge)
    during = challenge.voting_end - timedelta(days=1)
    for role in ("staff", "admin"):
        services.vote_cast(voter=people[role], idea_id=idea.pk, now=during)
    seen = {}
    for role in ("coe", "staff", "admin"):
        idea = Idea.objects.select_related("challenge").get(pk=idea.pk)
        has_voted, _budget = selectors.vote_state_refresh(idea, people[role])
        seen[role] = (has_voted, idea.vote_count)
    assert seen == {"coe": (False, 2), "staff": (True, None), "admin": (True, None)}
    idea = Idea.objects.select_related("challenge").get(pk=idea.pk)
    selectors.vote_state_refresh(idea, people["coe"], now=challenge.voting_end - timedelta(seconds=1))
    assert (idea.vote_count, idea.visible_count) == (None, None)


def test_budget_for_counts_the_voters_votes_in_that_challenge_only(challenge_factory, idea_factory, user_factory):
    budget3 = challenge_factory(vote_kind=Challenge.VoteKind.BUDGET, vote_budget=3)
    like = challenge_factory()
    voter = user_factory()
    for challenge in (budget3, budget3, like):
        services.vote_cast(voter=voter, idea_id=idea_factory(challenge=challenge).pk)
    services.vote_cast(voter=user_factory(), idea_id=idea_factory(challenge=budget3).pk)
    mine = selectors.budget_for(budget3, voter)
    assert (mine.used, mine.total, mine.left) == (2, 3, 1)
    liked = selectors.budget_for(like, voter)
    assert (liked.used, liked.total, liked.left) == (1, None, None)


def test_the_export_while_hidden_has_published_ideas_by_number_only(challenge_factory, idea_factory):
    challenge = challenge_factory(hide_counts_while_voting=True)
    ideas = [idea_factory(challenge=challenge) for _ in range(3)]
    for idea, count in zip(ideas, (1, 3, 2), strict=True):
        Idea.objects.filter(pk=idea.pk).update(vote_count=count)
    idea_factory(challenge=challenge, status=Idea.Status.SUBMITTED)
    idea_factory(challenge=challenge, status=Idea.Status.WITHDRAWN)
    idea_factory()  # another challenge's
    hidden = list(selectors.export_rows(challenge, show_counts=False))
    assert [i.pk for i in hidden] == [i.pk for i in ideas]  # by number, not by count
    ranked = list(selectors.export_rows(challenge, show_counts=True))
    assert [(i.pk, i.rank, i.vote_count) for i in ranked] == [
        (ideas[1].pk, 1, 3),
        (ideas[2].pk, 2, 2),
        (ideas[0].pk, 3, 1),
    ]


@pytest.mark.parametrize(
    ("offset", "hidden"),
    [
        (timedelta(seconds=-1), False),  # the last second before voting opens
        (timedelta(0), True),  # voting opens
        (None, True),  # the last second of voting
        ("end", False),  # voting has closed
    ],
    ids=["before", "opens", "last second", "closed"],
)
def test_challenge_counts_hidden_while_voting_is_open(challenge_factory, offset, hidden):
    """Challenge.counts_hidden's own promise: hidden while voting is open, if the challenge says so.
    (Nothing in the portal asks it today; pages ask selectors.counts_visible, tested above.)"""
    challenge = challenge_factory(hide_counts_while_voting=True)
    if offset is None:
        at = challenge.voting_end - timedelta(seconds=1)
    elif offset == "end":
        at = challenge.voting_end
    else:
        at = challenge.voting_start + offset
    assert challenge.counts_hidden(at) is hidden
    assert challenge_factory(hide_counts_while_voting=False).counts_hidden(at) is False
    assert challenge.counts_hidden() is True  # the factory's challenge is open now


@pytest.fixture
def clock(monkeypatch):
    """The server's clock, set to a given instant (the rules read timezone.now())."""

    def set_to(instant):
        monkeypatch.setattr(timezone, "now", lambda: instant)

    return set_to


@pytest.mark.parametrize(
    ("offset", "closed"), [(-1, False), (0, True)], ids=["last second of voting", "closing second"]
)
def test_the_coe_prepares_the_results_from_the_closing_second(challenge_factory, people, clock, offset, closed):
    challenge = challenge_factory(hide_counts_while_voting=True, **_phase("voting closed"))
    clock(challenge.voting_end + timedelta(seconds=offset))
    coe, staff, admin = people["coe"], people["staff"], people["admin"]
    assert coe.has_perm("ideas.view_results", challenge) is closed
    assert coe.has_perm("ideas.publish_results", challenge) is closed
    assert staff.has_perm("ideas.view_results", challenge) is False
    assert admin.has_perm("ideas.publish_results", challenge) is False
