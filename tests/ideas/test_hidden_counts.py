"""While counts are hidden they are nowhere: list, sort order, idea page, htmx fragment,
CSV, Excel, page source. After the results are published they are everywhere."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.accounts.roles import Role
from apps.ideas import services
from apps.ideas.models import Challenge, Idea

pytestmark = pytest.mark.django_db

SECRET = 7305481  # a count no date, id or token on these pages contains (ids stay far below it)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def hidden(challenge_factory, idea_factory):
    challenge = challenge_factory(hide_counts_while_voting=True)
    now = timezone.now()
    leader = idea_factory(challenge=challenge, title="人気のアイデア", submitted_at=now - timedelta(days=3))
    newer = idea_factory(challenge=challenge, title="新しいアイデア", submitted_at=now - timedelta(days=1))
    Idea.objects.filter(pk=leader.pk).update(vote_count=SECRET)
    return challenge, leader, newer


def _csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _xlsx(response) -> list[list]:
    book = load_workbook(io.BytesIO(response.content))
    return [list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


def _everything(client, challenge, idea) -> dict[str, str]:
    pages = {
        "challenge": client.get(reverse("ideas:challenge_detail", args=[challenge.pk])),
        "list": client.get(reverse("ideas:idea_list", args=[challenge.pk])),
        "list-popular": client.get(reverse("ideas:idea_list", args=[challenge.pk]), {"sort": "popular"}),
        "idea": client.get(reverse("ideas:idea_detail", args=[idea.pk])),
    }
    return {name: response.content.decode() for name, response in pages.items()}


@pytest.mark.parametrize("role", [None, Role.COE, Role.ADMIN])
def test_counts_are_absent_everywhere_while_hidden(hidden, user_factory, role):
    challenge, leader, _newer = hidden
    user = user_factory(roles=[role] if role else [])
    client = as_user(user)
    for name, html in _everything(client, challenge, leader).items():
        assert str(SECRET) not in html, name
        assert "vote__count" not in html, name
    # "Most liked first" is not offered, and asking for it does not change the order.
    listing = client.get(
        reverse("ideas:idea_list", args=[challenge.pk]), {"sort": "popular", "category": ""}
    ).content.decode()
    assert 'value="popular"' not in listing
    assert listing.index("新しいアイデア") < listing.index("人気のアイデア")
    # The htmx fragment after a vote.
    fragment = client.post(reverse("ideas:vote", args=[leader.pk]), {"action": "cast"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert str(SECRET + 1) not in fragment.content.decode() and "vote__count" not in fragment.content.decode()
    if role == Role.COE:  # staff may not export at all before the results
        rows = _csv(client.get(reverse("ideas:export", args=[challenge.pk, "csv"])))
        assert all(str(SECRET + 1) not in cell for row in rows for cell in row)
        assert len(rows[0]) == 7  # no rank, no count column
        assert [row[1] for row in rows[1:]] == ["人気のアイデア", "新しいアイデア"]  # by id, not by count
        cells = _xlsx(client.get(reverse("ideas:export", args=[challenge.pk, "xlsx"])))
        assert all(cell != SECRET + 1 and str(SECRET + 1) not in str(cell) for row in cells for cell in row)
    else:
        assert client.get(reverse("ideas:export", args=[challenge.pk, "csv"])).status_code == 403
        assert client.get(reverse("ideas:results", args=[challenge.pk])).status_code == 403


def test_counts_are_shown_everywhere_after_the_results_are_published(hidden, user_factory):
    challenge, leader, newer = hidden
    voters = [user_factory() for _ in range(3)]
    for voter in voters:
        services.vote_cast(voter=voter, idea_id=leader.pk)
    services.vote_cast(voter=voters[0], idea_id=newer.pk)
    # Voting closes (the window moves into the past, so the service can seal now).
    Challenge.objects.filter(pk=challenge.pk).update(
        voting_end=timezone.now() - timedelta(minutes=5), submission_end=timezone.now() - timedelta(minutes=6)
    )
    client = as_user(user_factory(language="en"))
    assert "3 likes" not in _everything(client, challenge, leader)["list"]  # seen once before publishing
    services.challenge_publish_results(challenge_id=challenge.pk, actor=user_factory(roles=[Role.COE]))
    leader.refresh_from_db()
    assert leader.vote_count == 3  # the seal healed the planted number from the real votes
    pages = _everything(client, challenge, leader)  # at once: the cached challenge was dropped
    assert "3 likes" in pages["idea"] and "3 likes" in pages["list"]
    assert pages["list-popular"].index("人気のアイデア") < pages["list-popular"].index("新しいアイデア")
    rows = _csv(client.get(reverse("ideas:export", args=[challenge.pk, "csv"])))
    assert rows[0][:2] == ["Rank", "Likes"]
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [("1", "3", "人気のアイデア"), ("2", "1", "新しいアイデア")]
    cells = _xlsx(client.get(reverse("ideas:export", args=[challenge.pk, "xlsx"])))
    assert [1, 3, leader.pk, "人気のアイデア"] == cells[1][:4]


@pytest.mark.parametrize(("role", "sees_counts"), [(None, False), (Role.ADMIN, False), (Role.COE, True)])
def test_after_voting_closes_only_the_coe_sees_counts_until_results(hidden, user_factory, role, sees_counts):
    """Between the close of voting and the results, the COE prepares the ranking; nobody else,
    administrators included, sees a count or the ranking."""
    challenge, leader, _newer = hidden
    Challenge.objects.filter(pk=challenge.pk).update(
        voting_end=timezone.now() - timedelta(minutes=5), submission_end=timezone.now() - timedelta(minutes=6)
    )
    client = as_user(user_factory(roles=[role] if role else []))
    pages = _everything(client, challenge, leader)
    assert any(str(SECRET) in html for html in pages.values()) is sees_counts
    ranking = client.get(reverse("ideas:results", args=[challenge.pk]))
    assert ranking.status_code == (200 if sees_counts else 403)
    export = client.get(reverse("ideas:export", args=[challenge.pk, "csv"]))
    assert export.status_code == (200 if sees_counts else 403)


def test_counts_visible_while_voting_when_not_hidden(challenge_factory, idea_factory, user_factory):
    challenge = challenge_factory(hide_counts_while_voting=False)
    idea = idea_factory(challenge=challenge)
    Idea.objects.filter(pk=idea.pk).update(vote_count=SECRET)
    html = as_user(user_factory()).get(reverse("ideas:idea_detail", args=[idea.pk])).content.decode()
    assert str(SECRET) in html


def test_hidden_ideas_do_not_leak_counts_into_search(hidden, user_factory):
    from apps.search.models import SearchDocument
    from apps.search.services import search_index_update

    _challenge, leader, _newer = hidden
    search_index_update(obj=leader)
    document = SearchDocument.objects.get(kind="idea", object_id=leader.pk)
    assert str(SECRET) not in document.body + " ".join(document.meta)


def test_the_hidden_count_export_names_everyone_and_costs_the_same_queries_for_more_ideas(
    challenge_factory, category_factory, idea_factory, user_factory
):
    """While counts are hidden the COE's export lists each idea with its category, department,
    authors (co-authors who accepted) and official answer, in a number of queries that does not
    grow with the ideas (a challenge has hundreds)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.ideas.models import AnswerStatus, Coauthor

    challenge = challenge_factory(hide_counts_while_voting=True)
    coe = as_user(user_factory(roles=[Role.COE]))

    def add_ideas(n: int) -> None:
        for i in range(n):
            idea = idea_factory(
                challenge=challenge,
                category=category_factory(challenge=challenge, name_ja=f"分野{i}"),
                answer_status=AnswerStatus.objects.create(name_ja=f"検討中{i}", sort_order=i),
            )
            Coauthor.objects.create(idea=idea, user=user_factory(), status=Coauthor.Status.ACCEPTED)

    def export() -> tuple[int, list[list[str]]]:
        with CaptureQueriesContext(connection) as queries:
            rows = _csv(coe.get(reverse("ideas:export", args=[challenge.pk, "csv"])))
        return len(queries), rows

    export()  # the first request of a session loads what every page needs (session, user, roles)
    add_ideas(2)
    few, _rows = export()
    add_ideas(6)
    many, rows = export()

    assert many == few
    assert len(rows) == 1 + 8
    for row, idea in zip(rows[1:], Idea.objects.filter(challenge=challenge).order_by("pk"), strict=True):
        coauthor = idea.coauthors.get().user
        assert row[2:6] == [
            idea.category.name_ja,
            idea.department.name_ja,
            f"{idea.author.get_full_name()}、{coauthor.get_full_name()}",
            idea.answer_status.name_ja,
        ]
