"""A challenge that hides its counts while voting is open shows none of its votes in any
figure of the report, page, fragment or file, until its results are published (as on the idea
pages). tests/reports/test_hidden_period.py has the votes that straddle two fiscal years."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from apps.core.dates import current_fiscal_year
from apps.ideas.models import Vote
from apps.reports.periods import Period
from tests.ideas.factories import ChallengeFactory, IdeaFactory
from tests.reports.helpers import build, dashboard, rows_by_label, summary, table

HIDDEN_TITLE = "非公開集計チャレンジ"
OPEN_TITLE = "公開集計チャレンジ"
HIDDEN_JA = "結果公開まで非表示"


@pytest.fixture
def voting(city):
    """Voting open now in two challenges: the hidden one got 3 votes, the open one 2."""
    now = timezone.now()
    window = {
        "submission_start": now - timedelta(hours=5),
        "submission_end": now + timedelta(days=5),
        "voting_start": now - timedelta(hours=4),
        "voting_end": now + timedelta(days=5),
    }
    hidden = ChallengeFactory(title=HIDDEN_TITLE, hide_counts_while_voting=True, **window)
    shown = ChallengeFactory(title=OPEN_TITLE, **window)
    a = city.users
    hidden_idea = IdeaFactory(challenge=hidden, author=a["a1"], submitted_at=now - timedelta(hours=3))
    shown_idea = IdeaFactory(challenge=shown, author=a["a2"], submitted_at=now - timedelta(hours=3))
    for voter in (a["b1"], a["b2"], a["c1"]):
        Vote.objects.create(idea=hidden_idea, challenge=hidden, voter=voter, voter_department=voter.department)
    for voter in (a["c2"], a["c3"]):
        Vote.objects.create(idea=shown_idea, challenge=shown, voter=voter, voter_department=voter.department)
    return hidden


def test_hidden_votes_are_in_no_figure(voting):
    with translation.override("en"):
        report = build(period=_current())
        assert summary(report, "ideas")["Votes (いいね)"] == 2
        assert summary(report, "ideas")["Unique voters"] == 2
        challenges = rows_by_label(table(report, "ideas", "challenges"))
        assert challenges[HIDDEN_TITLE] == [1, 1, "Hidden until results", "Hidden until results"]
        assert challenges[OPEN_TITLE] == [1, 1, 2, 2]
        departments = rows_by_label(table(report, "ideas", "departments"))
        assert "Family Register Section" not in departments  # its only votes were in the hidden challenge
        assert departments["Environment Bureau"][3] == 2
        assert any(HIDDEN_TITLE in note for note in report.section("ideas").notes)
        spec = report.section("ideas").chart_data()["ideas-challenges"]
        assert [d["label"] for d in spec["datasets"]] == ["Ideas submitted", "Ideas approved"]


def test_hidden_votes_stay_hidden_until_the_results_are_published(voting):
    closed = voting.voting_end + timedelta(seconds=1)
    with translation.override("en"):
        report = build(period=_current(), now=closed)
    # As on the idea pages: not before publication, though voting has closed. The open challenge's 2 only.
    assert summary(report, "ideas")["Votes (いいね)"] == 2
    assert summary(report, "ideas")["Unique voters"] == 2
    voting.results_published_at = closed
    voting.save(update_fields=["results_published_at"])
    with translation.override("en"):
        report = build(period=_current(), now=closed + timedelta(seconds=1))
    assert summary(report, "ideas")["Votes (いいね)"] == 5
    assert summary(report, "ideas")["Unique voters"] == 5


def test_hidden_votes_are_not_in_the_page_or_the_files(client_for, city, voting):
    client = client_for(city.admin)
    fy = f"?fy={current_fiscal_year()}"
    page = dashboard(client, reverse("reports:dashboard") + fy, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Hidden until results" in page
    response = client.get(reverse("reports:export_csv", args=["ideas"]) + fy)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # The files are in Japanese (the user's language): submitted, approved, votes, voters.
    assert next(r for r in rows if r and r[0] == HIDDEN_TITLE) == [HIDDEN_TITLE, "1", "1", HIDDEN_JA, HIDDEN_JA]
    assert next(r for r in rows if r and r[0] == OPEN_TITLE) == [OPEN_TITLE, "1", "1", "2", "2"]
    assert next(r for r in rows if r and r[0] == "いいね数") == ["いいね数", "2"]
    book = load_workbook(io.BytesIO(client.get(reverse("reports:export_xlsx") + fy).content))
    sheet_rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert next(r for r in sheet_rows if r and r[0] == HIDDEN_TITLE)[:5] == [HIDDEN_TITLE, 1, 1, HIDDEN_JA, HIDDEN_JA]
    assert next(r for r in sheet_rows if r and r[0] == "いいね数")[:2] == ["いいね数", 2]


def _current() -> Period:
    return Period.for_fiscal_year(current_fiscal_year())


def test_the_note_names_the_hiding_challenges_in_the_order_their_voting_ends_and_not_one_before_voting(city):
    """The report names each challenge whose counts it leaves out: from the start of its voting
    (before that it has no votes to hide) until its results, soonest-ending voting first."""
    from apps.ideas.reporting import challenges_with_hidden_counts

    now = timezone.now()

    def challenge(title, *, voting_from, voting_days):
        return ChallengeFactory(
            title=title,
            hide_counts_while_voting=True,
            submission_start=now - timedelta(days=20),
            submission_end=now + timedelta(days=voting_from),
            voting_start=now + timedelta(days=voting_from),
            voting_end=now + timedelta(days=voting_days),
        )

    later = challenge("後に締切", voting_from=-3, voting_days=10)  # made first: the lower id
    sooner = challenge("先に締切", voting_from=-2, voting_days=4)
    challenge("まだ応募期間", voting_from=+1, voting_days=8)  # voting starts tomorrow
    today = timezone.localdate()

    named = challenges_with_hidden_counts(start=today - timedelta(days=30), end=today, now=now)

    assert named == [
        {"challenge_id": sooner.pk, "title": "先に締切"},
        {"challenge_id": later.pk, "title": "後に締切"},
    ]


@pytest.mark.django_db
def test_a_report_scoped_to_no_department_has_no_votes():
    """A scope that holds no department (a manager whose section was closed) counts nothing,
    and says so in the same shape as any other figures."""
    from apps.ideas.reporting import vote_figures

    today = timezone.localdate()
    assert vote_figures(start=today - timedelta(days=30), end=today, department_ids=[]) == {
        "hidden": [],
        "by_department": [],
        "by_challenge": [],
        "totals": {"votes": 0, "voters": 0},
    }
