"""A hidden-count challenge whose votes straddle a reporting period (fiscal years 2024 and
2025, with votes in the last second of FY2024 and the first of FY2025).

PRODUCT.md: counts can be hidden while voting is open (per challenge); reports give votes
and participation per department by fiscal year. The portal keeps hidden counts hidden from
voting's start until the results are published, on every page and in every report: until then
none of the challenge's votes are in any figure, in any period, whoever reads the report; from
the second the results are published its votes count in the period in which each was cast.

Every expected number below is worked out by hand from the votes listed in the fixture."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from apps.ideas import reporting
from apps.ideas.models import Challenge, Vote
from apps.reports.periods import Period
from tests.factories import DepartmentFactory, UserFactory
from tests.ideas.factories import ChallengeFactory, IdeaFactory
from tests.ideas.helpers import jst
from tests.reports.helpers import build, rows_by_label, summary, table

pytestmark = pytest.mark.django_db

D = Decimal
HIDDEN, SECOND_HIDDEN, SHOWN = "非公開集計チャレンジ", "第二の非公開チャレンジ", "公開集計チャレンジ"
VOTING_OPEN = jst(2025, 4, 10, 12)  # voting runs 1 March – 19 April 2025
CLOSED = jst(2025, 5, 1)  # voting has closed, the results are not out yet
PUBLISHED = jst(2025, 5, 10, 10)  # the hidden challenge's results are published


@pytest.fixture
def straddling():
    """Departments 市民課 (p1, p2, author of the hidden challenge's idea) and 環境課 (q1, r,
    author of the other idea): three active staff each.

    Hidden challenge's idea:  p1 31 Mar 23:59:59, q1 15 Mar (FY2024); p2 1 Apr 00:00:00, r 5 Apr (FY2025).
    Shown challenge's idea:   p1 20 Mar (FY2024); r 2 Apr (FY2025).
    A second hidden challenge runs at the same time with no idea and no vote.
    Both ideas were submitted on 10 February 2025 (FY2024)."""
    citizens = DepartmentFactory(code="H110", name_ja="市民課", name_en="Citizens Section")
    environment = DepartmentFactory(code="H210", name_ja="環境課", name_en="Environment Section")
    people = {name: UserFactory(department=citizens) for name in ("p1", "p2", "author_h")}
    people |= {name: UserFactory(department=environment) for name in ("q1", "r", "author_o")}
    window = {
        "submission_start": jst(2025, 2, 1),
        "submission_end": jst(2025, 4, 20),
        "voting_start": jst(2025, 3, 1),
        "voting_end": jst(2025, 4, 20),
        "created_by": people["author_h"],
    }
    hidden = ChallengeFactory(title=HIDDEN, hide_counts_while_voting=True, **window)
    ChallengeFactory(title=SECOND_HIDDEN, hide_counts_while_voting=True, **window)
    shown = ChallengeFactory(title=SHOWN, **window)
    hidden_idea = IdeaFactory(challenge=hidden, author=people["author_h"], submitted_at=jst(2025, 2, 10))
    shown_idea = IdeaFactory(challenge=shown, author=people["author_o"], submitted_at=jst(2025, 2, 10))
    for idea, name, when in [
        (hidden_idea, "p1", jst(2025, 3, 31, 23, 59, 59)),
        (hidden_idea, "q1", jst(2025, 3, 15)),
        (hidden_idea, "p2", jst(2025, 4, 1, 0, 0, 0)),
        (hidden_idea, "r", jst(2025, 4, 5)),
        (shown_idea, "p1", jst(2025, 3, 20)),
        (shown_idea, "r", jst(2025, 4, 2)),
    ]:
        voter = people[name]
        vote = Vote.objects.create(idea=idea, challenge=idea.challenge, voter=voter, voter_department=voter.department)
        Vote.objects.filter(pk=vote.pk).update(created_at=when)
    return hidden, citizens, environment


def _publish(challenge: Challenge, at) -> None:
    Challenge.objects.filter(pk=challenge.pk).update(results_published_at=at)


def _figures(period: Period, now, department_ids=None) -> dict:
    figures = reporting.vote_figures(start=period.start, end=period.end, department_ids=department_ids, now=now)
    return {
        "hidden": [h["title"] for h in figures["hidden"]],
        "totals": figures["totals"],
        "by_department": {r["department_id"]: (r["votes"], r["voters"]) for r in figures["by_department"]},
        "by_challenge": {r["title"]: (r["votes"], r["voters"]) for r in figures["by_challenge"]},
    }


FY2024, FY2025 = Period.for_fiscal_year(2024), Period.for_fiscal_year(2025)


@pytest.mark.parametrize("now", [VOTING_OPEN, CLOSED, PUBLISHED], ids=["voting open", "closed", "no results yet"])
def test_until_the_results_the_hidden_votes_are_in_no_period(straddling, now):
    _hidden, citizens, environment = straddling
    # Not published at all (even at the instant the results will later come out).
    assert _figures(FY2024, now) == {
        "hidden": [HIDDEN, SECOND_HIDDEN],
        "totals": {"votes": 1, "voters": 1},
        "by_department": {citizens.pk: (1, 1)},
        "by_challenge": {SHOWN: (1, 1)},
    }
    assert _figures(FY2025, now) == {
        "hidden": [HIDDEN, SECOND_HIDDEN],
        "totals": {"votes": 1, "voters": 1},
        "by_department": {environment.pk: (1, 1)},
        "by_challenge": {SHOWN: (1, 1)},
    }


def test_one_second_before_the_results_they_are_still_hidden(straddling):
    hidden, _citizens, _environment = straddling
    _publish(hidden, PUBLISHED)
    before = jst(2025, 5, 10, 9, 59, 59)
    assert _figures(FY2024, before)["totals"] == {"votes": 1, "voters": 1}
    assert _figures(FY2024, before)["hidden"] == [HIDDEN, SECOND_HIDDEN]


def test_from_the_second_the_results_are_out_each_vote_counts_in_its_own_period(straddling):
    hidden, citizens, environment = straddling
    _publish(hidden, PUBLISHED)
    assert _figures(FY2024, PUBLISHED) == {
        "hidden": [SECOND_HIDDEN],  # still without results, though it has nothing to hide
        # p1 twice (23:59:59 on 31 March is FY2024), q1 once; voters p1 and q1.
        "totals": {"votes": 3, "voters": 2},
        "by_department": {citizens.pk: (2, 1), environment.pk: (1, 1)},
        "by_challenge": {HIDDEN: (2, 2), SHOWN: (1, 1)},
    }
    assert _figures(FY2025, PUBLISHED) == {
        "hidden": [SECOND_HIDDEN],
        # p2 at 00:00:00 on 1 April, r twice; voters p2 and r.
        "totals": {"votes": 3, "voters": 2},
        "by_department": {citizens.pk: (1, 1), environment.pk: (2, 1)},
        "by_challenge": {HIDDEN: (2, 2), SHOWN: (1, 1)},
    }


def test_a_date_range_across_the_fiscal_year_boundary(straddling):
    hidden, citizens, _environment = straddling
    days = Period(start=date(2025, 3, 31), end=date(2025, 4, 1))  # whole days in Japan time
    assert _figures(days, VOTING_OPEN)["totals"] == {"votes": 0, "voters": 0}
    _publish(hidden, PUBLISHED)
    assert _figures(days, PUBLISHED) == {
        "hidden": [SECOND_HIDDEN],
        "totals": {"votes": 2, "voters": 2},  # p1 at 23:59:59, p2 at 00:00:00
        "by_department": {citizens.pk: (2, 2)},
        "by_challenge": {HIDDEN: (2, 2)},
    }


def test_a_department_scoped_report_leaves_them_out_too(straddling):
    hidden, citizens, _environment = straddling
    assert _figures(FY2024, CLOSED, [citizens.pk])["totals"] == {"votes": 1, "voters": 1}
    _publish(hidden, PUBLISHED)
    # p1's two votes (one in each challenge); q1 is in the other department.
    assert _figures(FY2024, PUBLISHED, [citizens.pk])["totals"] == {"votes": 2, "voters": 1}


def test_periods_the_challenge_was_not_active_in_do_not_name_it(straddling):
    before = Period(start=date(2024, 4, 1), end=date(2025, 1, 31))  # ends the day before ideas were accepted
    assert _figures(before, VOTING_OPEN) == {
        "hidden": [],
        "totals": {"votes": 0, "voters": 0},
        "by_department": {},
        "by_challenge": {},
    }
    from_first_day = Period(start=date(2024, 4, 1), end=date(2025, 2, 1))
    assert _figures(from_first_day, VOTING_OPEN)["hidden"] == [HIDDEN, SECOND_HIDDEN]


def test_the_report_page_figures_while_hidden_and_after_the_results(straddling):
    hidden, _citizens, _environment = straddling
    with translation.override("en"):
        report = build(period=FY2024, now=CLOSED)
        ideas = report.section("ideas")
        assert summary(report, "ideas")["Votes (いいね)"] == 1
        assert summary(report, "ideas")["Unique voters"] == 1
        # submitted, approved, votes, voters: the ideas are counted, the votes are not shown.
        assert rows_by_label(table(report, "ideas", "challenges")) == {
            HIDDEN: [1, 1, "Hidden until results", "Hidden until results"],
            SHOWN: [1, 1, 1, 1],
        }
        # staff, submitted, approved, votes, voters, participation (%)
        assert rows_by_label(table(report, "ideas", "departments")) == {
            "Citizens Section": [3, 1, 1, 1, 1, D("33.3")],
            "Environment Section": [3, 1, 1, 0, 0, D("0.0")],
        }
        assert ideas.notes == [
            "Votes are not counted while voting is open in a challenge that hides its counts: "
            f"{HIDDEN}, {SECOND_HIDDEN}."
        ]
    with translation.override("ja"):
        (note,) = build(period=FY2024, now=CLOSED).section("ideas").notes
    assert note.endswith(f"：{HIDDEN}、{SECOND_HIDDEN}")

    _publish(hidden, PUBLISHED)
    with translation.override("en"):
        report = build(period=FY2024, now=PUBLISHED)
        assert summary(report, "ideas")["Votes (いいね)"] == 3
        assert summary(report, "ideas")["Unique voters"] == 2
        assert rows_by_label(table(report, "ideas", "challenges")) == {HIDDEN: [1, 1, 2, 2], SHOWN: [1, 1, 1, 1]}
        assert rows_by_label(table(report, "ideas", "departments")) == {
            "Citizens Section": [3, 1, 1, 2, 1, D("33.3")],
            "Environment Section": [3, 1, 1, 1, 1, D("33.3")],
        }
        assert report.section("ideas").notes == [
            f"Votes are not counted while voting is open in a challenge that hides its counts: {SECOND_HIDDEN}."
        ]
