"""Results: competition ranking with ties, participation per department (hand-computed),
per-category leaders, the sealed digest, and exports with the same numbers as the page."""

import csv
import hashlib
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from apps.accounts.roles import Role
from apps.ideas import selectors, services
from apps.ideas.models import Idea, Vote

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tallied(closed_challenge, idea_factory, category_factory, user_factory, department_factory):
    """Four ideas with 3, 2, 2, 0 votes: ranks 1, 2, 2, 4. Two departments:
    A has 4 staff of whom 2 voted, B has 2 staff of whom 1 voted (+ the authors' department)."""
    dept_a, dept_b, authors_dept = department_factory(), department_factory(), department_factory()
    cat_x, cat_y = category_factory(challenge=closed_challenge), category_factory(challenge=closed_challenge)
    author = user_factory(department=authors_dept)
    ideas = [
        idea_factory(challenge=closed_challenge, author=author, title=f"案{i}", category=cat)
        for i, cat in enumerate([cat_x, cat_x, cat_y, cat_y])
    ]
    a_voters = [user_factory(department=dept_a) for _ in range(2)]
    a_idle = [user_factory(department=dept_a) for _ in range(2)]
    b_voter, b_idle = user_factory(department=dept_b), user_factory(department=dept_b)
    plan = {
        ideas[0]: [a_voters[0], a_voters[1], b_voter],
        ideas[1]: [a_voters[0], b_voter],
        ideas[2]: [a_voters[1], b_voter],
    }
    for idea, voters in plan.items():
        for voter in voters:
            Vote.objects.create(
                idea=idea, challenge=closed_challenge, voter=voter, voter_department_id=voter.department_id
            )
    for idea in ideas:
        Idea.objects.filter(pk=idea.pk).update(vote_count=len(plan.get(idea, [])))
    # A voter who moved department after voting still counts for the department of the vote.
    b_voter.department = dept_a
    b_voter.save()
    coe = user_factory(roles=[Role.COE], department=authors_dept)
    creator = closed_challenge.created_by
    creator.department = authors_dept
    creator.save()
    services.challenge_publish_results(challenge_id=closed_challenge.pk, actor=coe)
    return {
        "challenge": closed_challenge,
        "ideas": ideas,
        "departments": (dept_a, dept_b, authors_dept),
        "cats": (cat_x, cat_y),
        "idle": [*a_idle, b_idle],
        "coe": coe,
    }


def test_ranking_has_ties_and_counts(tallied):
    ranking = list(selectors.ranking(tallied["challenge"]))
    assert [(i.title, i.rank, i.vote_count) for i in ranking] == [
        ("案0", 1, 3),
        ("案1", 2, 2),
        ("案2", 2, 2),
        ("案3", 4, 0),
    ]


def test_participation_overall_and_per_department(tallied):
    results = selectors.results_for(tallied["challenge"])
    dept_a, dept_b, authors_dept = tallied["departments"]
    # Staff: A 4 + 1 moved in = 5, B 1 (one moved out), authors' department: author, COE member and
    # the challenge's creator = 3 → 9 in all.
    assert results.staff == 9
    assert results.unique_voters == 3 and results.total_votes == 7
    assert results.participation == pytest.approx(3 / 9)
    rows = {row.department.pk: (row.voters, row.staff) for row in results.departments}
    assert rows[dept_a.pk] == (2, 5)
    assert rows[dept_b.pk] == (1, 1)  # the voter counts where they were when voting
    assert rows[authors_dept.pk] == (0, 3)


def test_category_leaders_keep_ties(tallied):
    leaders = selectors.category_leaders(tallied["challenge"])
    cat_x, cat_y = tallied["cats"]
    assert [(c.pk, [i.title for i in ideas]) for c, ideas in leaders] == [(cat_x.pk, ["案0"]), (cat_y.pk, ["案2"])]


def test_results_page_digest_can_be_recomputed_from_the_downloaded_tally(tallied, settings):
    settings.LANGUAGE_CODE = "en"
    client = as_user(tallied["coe"])
    page = client.get(reverse("ideas:results", args=[tallied["challenge"].pk])).content.decode()
    text = client.get(reverse("ideas:tally", args=[tallied["challenge"].pk])).content
    ideas = tallied["ideas"]
    assert text.decode() == "\n".join(f"{i.pk}:{n}" for i, n in zip(ideas, [3, 2, 2, 0], strict=True))
    digest = hashlib.sha256(text).hexdigest()
    assert digest == tallied["challenge"].__class__.objects.get().seal_digest
    assert digest in page
    assert "nothing has changed since sealing" in page
    assert "33.3%" in page  # 3 voters ÷ 9 staff
    assert "40.0%" in page  # department A: 2 ÷ 5


def test_exports_carry_the_same_numbers_as_the_page(tallied, user_factory):
    client = as_user(user_factory())
    challenge = tallied["challenge"]
    page = client.get(reverse("ideas:results", args=[challenge.pk])).content.decode()
    page_rows = re.findall(
        r"<tr><td>(\d+)</td>\s*<th scope=\"row\"><a[^>]*>([^<]+)</a></th>.*?<td>(\d+)</td>", page, re.S
    )
    assert page_rows == [("1", "案0", "3"), ("2", "案1", "2"), ("2", "案2", "2"), ("4", "案3", "0")]
    raw = client.get(reverse("ideas:export", args=[challenge.pk, "csv"])).content.decode("utf-8-sig")
    csv_rows = [(r[0], r[3], r[1]) for r in list(csv.reader(io.StringIO(raw)))[1:]]
    assert csv_rows == page_rows
    book = load_workbook(io.BytesIO(client.get(reverse("ideas:export", args=[challenge.pk, "xlsx"])).content))
    sheet_rows = [(str(r[0]), r[3], str(r[1])) for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert sheet_rows == page_rows
    departments = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert sum(r[1] for r in departments) == 3


def test_results_are_hidden_from_staff_until_published_but_coe_may_preview(
    closed_challenge, idea_factory, user_factory
):
    idea_factory(challenge=closed_challenge)
    url = reverse("ideas:results", args=[closed_challenge.pk])
    assert as_user(user_factory()).get(url).status_code == 403
    assert as_user(user_factory(roles=[Role.COE])).get(url).status_code == 200


def test_coe_only_results_visibility(closed_challenge, idea_factory, user_factory):
    closed_challenge.results_visibility = "coe"
    closed_challenge.save()
    services.challenge_publish_results(challenge_id=closed_challenge.pk, actor=user_factory(roles=[Role.COE]))
    assert as_user(user_factory()).get(reverse("ideas:results", args=[closed_challenge.pk])).status_code == 403


def test_export_cells_are_never_formulas(closed_challenge, idea_factory, user_factory):
    idea_factory(challenge=closed_challenge, title='=HYPERLINK("http://evil")')
    services.challenge_publish_results(challenge_id=closed_challenge.pk, actor=user_factory(roles=[Role.COE]))
    client = as_user(user_factory())
    book = load_workbook(io.BytesIO(client.get(reverse("ideas:export", args=[closed_challenge.pk, "xlsx"])).content))
    cell = book.worksheets[0]["D2"]
    # Text, shown as written, marked as typed with a leading apostrophe (Excel's quotePrefix).
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil")' and cell.quotePrefix
