"""Issue #14: no CSV or Excel file the portal writes can carry a formula. A title typed as
`=HYPERLINK(...)` or `@SUM(1)` comes out as text in every export (CSV: a leading
apostrophe, as OWASP advises; Excel: a text cell marked as typed with an apostrophe), while
Japanese text and numbers come out unchanged and CSV files keep their byte-order mark."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.accounts.roles import Role
from apps.core import exports
from apps.ideas import services as idea_services
from apps.ideas.models import Idea, Vote
from apps.reports.models import ManagerScope
from tests.factories import UserFactory
from tests.ideas.factories import ChallengeFactory, IdeaFactory
from tests.support.factories import SupportRequestFactory

pytestmark = pytest.mark.django_db

LINK = '=HYPERLINK("http://evil.example","x")'
SUM = "@SUM(1)"
JAPANESE = "窓口の待ち時間を短縮する"
JST = ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "a CSV file starts with the UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def csv_cells(rows: list[list[str]]) -> set[str]:
    return {cell for row in rows for cell in row}


def assert_csv_inert(rows: list[list[str]]) -> None:
    cells = csv_cells(rows)
    assert "'" + LINK in cells and "'" + SUM in cells
    assert LINK not in cells and SUM not in cells
    for cell in cells:  # nothing in the file starts a formula
        assert cell.lstrip()[:1] not in ("=", "+", "-", "@"), cell


def xlsx_cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_xlsx_inert(cells: list) -> None:
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no cell is a formula"
    for text in (LINK, SUM):
        found = [c for c in cells if c.value == text]
        # Shown as typed (no visible apostrophe), stored as text and marked as typed text.
        assert found, text
        assert all(c.data_type == "s" and c.quotePrefix for c in found), text


# --- the idea challenge's results ----------------------------------------------------------


@pytest.fixture
def published_results():
    now = timezone.now()
    coe = UserFactory(roles=[Role.COE])
    challenge = ChallengeFactory(
        submission_start=now - timedelta(days=40),
        submission_end=now - timedelta(days=20),
        voting_start=now - timedelta(days=30),
        voting_end=now - timedelta(days=1),
    )
    voters = [UserFactory() for _ in range(3)]
    for title, votes in [(LINK, 3), (SUM, 1), (JAPANESE, 2)]:
        idea = IdeaFactory(challenge=challenge, title=title)
        for voter in voters[:votes]:
            Vote.objects.create(idea=idea, challenge=challenge, voter=voter, voter_department_id=voter.department_id)
        Idea.objects.filter(pk=idea.pk).update(vote_count=votes)
    idea_services.challenge_publish_results(challenge_id=challenge.pk, actor=coe)
    return challenge


def test_idea_results_csv_is_inert(published_results):
    response = signed_in(UserFactory()).get(reverse("ideas:export", args=[published_results.pk, "csv"]))
    assert response.status_code == 200
    rows = csv_rows(response.content)
    assert_csv_inert(rows)
    by_title = {row[3]: row for row in rows[1:]}
    assert by_title[JAPANESE][1] == "2"  # the count, a plain number
    assert by_title["'" + LINK][1] == "3"


def test_idea_results_xlsx_is_inert(published_results):
    response = signed_in(UserFactory()).get(reverse("ideas:export", args=[published_results.pk, "xlsx"]))
    assert response.status_code == 200
    cells = xlsx_cells(response.content)
    assert_xlsx_inert(cells)
    japanese = next(c for c in cells if c.value == JAPANESE)
    assert not japanese.quotePrefix
    sheet = japanese.parent
    assert sheet.cell(row=japanese.row, column=2).value == 2  # the count stays a number


# --- reports ---------------------------------------------------------------------------------


@pytest.fixture
def manager():
    user = UserFactory(roles=[Role.MANAGER])
    ManagerScope.objects.create(user=user, scope=ManagerScope.Scope.ALL)
    return user


@pytest.fixture
def challenges_in_2024():
    for title in (LINK, SUM, JAPANESE):
        challenge = ChallengeFactory(
            title=title,
            submission_start=datetime(2024, 4, 1, tzinfo=JST),
            submission_end=datetime(2024, 9, 30, tzinfo=JST),
            voting_start=datetime(2024, 8, 1, tzinfo=JST),
            voting_end=datetime(2024, 10, 31, tzinfo=JST),
        )
        IdeaFactory(challenge=challenge, submitted_at=datetime(2024, 9, 9, 10, tzinfo=JST))


def test_report_csv_is_inert(manager, challenges_in_2024):
    response = signed_in(manager).get(reverse("reports:export_csv", args=["ideas"]) + "?fy=2024")
    assert response.status_code == 200
    rows = csv_rows(response.content)
    assert_csv_inert(rows)
    japanese = next(row for row in rows if row and row[0] == JAPANESE)
    assert japanese[1:3] == ["1", "1"]  # one idea submitted and approved


def test_report_xlsx_is_inert(manager, challenges_in_2024):
    response = signed_in(manager).get(reverse("reports:export_xlsx") + "?fy=2024")
    assert response.status_code == 200
    cells = xlsx_cells(response.content)
    assert_xlsx_inert(cells)
    japanese = next(c for c in cells if c.value == JAPANESE)
    assert japanese.parent.cell(row=japanese.row, column=2).value == 1


# --- the support queue -----------------------------------------------------------------------


def test_support_queue_csv_is_inert_and_streamed():
    coe = UserFactory(roles=[Role.COE])
    for title in (LINK, SUM, JAPANESE):
        SupportRequestFactory(title=title, priority=2)
    response = signed_in(coe).get(reverse("support:export"))
    assert response.status_code == 200
    assert response.streaming, "the queue export is written while it is sent"
    rows = csv_rows(b"".join(response.streaming_content))
    assert_csv_inert(rows)
    header = rows[0]
    japanese = next(row for row in rows[1:] if row[header.index("title")] == JAPANESE)
    assert japanese[header.index("priority")] == "2"
    assert japanese[header.index("id")].isascii() and japanese[header.index("id")].isdigit()


# --- the helper itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+81-3-1234", "-2+3", "@SUM(1)", "\t=1", "\r=1", "  =1", "\u3000=1", "＝1+1", "＠SUM(1)", "－1"],
)
def test_every_formula_start_is_neutralised(text):
    assert exports.csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", [0, -5, 3.5, -0.25, "市民課", "", "RPA 導入", "1-2月"])
def test_numbers_and_ordinary_text_are_untouched(value):
    assert exports.csv_cell(value) == value
    lines = list(exports.csv_lines([["x", value]]))
    assert lines[0] == exports.BOM
    assert next(csv.reader([lines[1]])) == ["x", str(value)]
