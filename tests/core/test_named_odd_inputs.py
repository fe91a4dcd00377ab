"""The odd inputs the safe-to-deploy review found, one by one (the walk in test_odd_input.py
covers the class; these say what the person sees): a clear answer, a 4xx at worst, nothing
saved by a refused action, and an action that was saved not followed by a 500."""

import csv
import io

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.ideas.models import Challenge, Vote
from apps.support.models import SupportRequest
from tests.factories import UserFactory
from tests.ideas.factories import ChallengeFactory, IdeaFactory
from tests.knowledge.factories import ArticleFactory
from tests.support.factories import CannedReplyFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("next_value", ["foo", "//evil.example", "https://evil.example/"])
def test_a_vote_with_a_bare_word_or_foreign_next_is_saved_and_goes_back_to_the_idea(client, next_value):
    idea = IdeaFactory()
    voter = UserFactory()
    client.force_login(voter)
    response = client.post(reverse("ideas:vote", args=[idea.pk]), {"action": "cast", "next": next_value})
    assert response.status_code == 302
    assert response["Location"] == reverse("ideas:idea_detail", args=[idea.pk])
    assert Vote.objects.filter(idea=idea, voter=voter).count() == 1


def test_bulk_assign_with_a_bare_word_next_assigns_and_goes_back_to_the_queue(client):
    coe = UserFactory(roles=[Role.COE])
    request = SupportRequestFactory()
    client.force_login(coe)
    response = client.post(
        reverse("support:bulk_assign"), {"requests": [request.pk], "assignee": coe.pk, "next": "foo"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("support:queue")
    request.refresh_from_db()
    assert request.assignee_id == coe.pk


@pytest.mark.parametrize("assignee", ["abc", "²", HUGE])
def test_bulk_assign_to_someone_not_in_the_list_is_refused_and_assigns_nobody(client, assignee):
    client.force_login(UserFactory(roles=[Role.COE]))
    request = SupportRequestFactory()
    response = client.post(
        reverse("support:bulk_assign"), {"requests": [request.pk], "assignee": assignee}, follow=True
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode() or "正しく選択" in response.content.decode()
    request.refresh_from_db()
    assert request.assignee_id is None


@pytest.mark.parametrize("query", [{"department": "abc"}, {"assignee": HUGE}, {"department": "²", "kind": "x"}])
def test_queue_and_its_export_ignore_a_filter_that_is_not_an_option(client, query):
    client.force_login(UserFactory(roles=[Role.COE]))
    requests = [SupportRequestFactory(title=f"依頼{n}") for n in range(3)]
    assert client.get(reverse("support:queue"), query).status_code == 200
    export = client.get(reverse("support:export"), query)
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert sorted(row[2] for row in rows[1:]) == sorted(r.title for r in requests)  # every row, to the end


@pytest.mark.parametrize(
    ("url_name", "query"),
    [
        ("support:detail", {"canned": "²"}),
        ("support:detail", {"canned": HUGE}),
    ],
)
def test_a_canned_reply_that_is_not_a_number_leaves_the_reply_empty(client, url_name, query):
    client.force_login(UserFactory(roles=[Role.COE]))
    CannedReplyFactory(body="定型文の本文")
    request = SupportRequestFactory()
    response = client.get(reverse(url_name, args=[request.pk]), query)
    assert response.status_code == 200 and "定型文の本文" not in response.content.decode()


@pytest.mark.parametrize("query", [{"against": "²"}, {"against": HUGE}])
def test_a_revision_compared_with_an_odd_number_is_compared_with_the_one_before(client, query):
    from apps.knowledge.models import ArticleRevision

    article = ArticleFactory()
    ArticleRevision.objects.create(article=article, number=2, title="改訂後の題名", body=article.body)
    client.force_login(UserFactory(roles=[Role.COE]))
    response = client.get(reverse("knowledge:revision", args=[article.pk, 2]), query)
    assert response.status_code == 200 and "改訂後の題名" in response.content.decode()


def test_search_similar_with_an_odd_exclude_still_answers(client):
    client.force_login(UserFactory())
    response = client.get(reverse("search:similar"), {"q": "会議の録画", "exclude": "idea:²"})
    assert response.status_code == 200


def test_support_answered_with_an_odd_id_is_a_clear_400(client):
    client.force_login(UserFactory())
    response = client.post(reverse("support:answered"), {"answered": "article:²", "title": "x"})
    assert response.status_code == 400 and response.content.decode().strip()


def test_a_challenge_starting_in_year_one_is_refused_with_a_message_and_kept(client):
    client.force_login(UserFactory(roles=[Role.COE], language="en"))
    form = {
        "title": "年始のチャレンジ",
        "theme": "テーマ",
        "submission_start": "0001-01-01T00:00",
        "submission_end": "2026-12-31T17:00",
        "voting_start": "2026-12-01T09:00",
        "voting_end": "2027-01-15T17:00",
        "vote_kind": "single",
        "results_visibility": "all",
    }
    response = client.post(reverse("ideas:challenge_create"), form)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a date between 1900 and 2999." in html and "年始のチャレンジ" in html
    assert not Challenge.objects.filter(title="年始のチャレンジ").exists()


def test_a_support_request_title_with_a_line_break_is_stored_on_one_line(client):
    person = UserFactory()
    client.force_login(person)
    client.post(
        reverse("support:ask"),
        {
            "kind": "other",
            "title": "件名\r\nBcc: evil@example.com",
            "description": "本文",
            "department": person.department_id,
        },
    )
    assert SupportRequest.objects.get(requester=person).title == "件名 Bcc: evil@example.com"


def test_an_id_of_twenty_digits_in_a_path_is_not_found(client):
    client.force_login(UserFactory())
    ChallengeFactory()
    assert client.get(f"/ideas/idea/{HUGE}/").status_code == 404
    assert client.post(f"/ideas/idea/{HUGE}/vote/", {"action": "cast"}).status_code == 404
