"""Issue #14: an idea's details have a length limit like the portal's other long texts
(10,000 characters, as a support request's description). A longer text is refused with a
message that names the limit, and the form comes back with everything typed; ideas stored
before the limit still open, show their whole text and can be edited."""

import pytest
from django.urls import reverse

from apps.ideas.models import Idea

pytestmark = pytest.mark.django_db

ONE_MB = 1024 * 1024
SENTENCE = "窓口の待ち時間を短縮するため、整理券の発券データを使う。\n"


def long_text(length: int) -> str:
    return (SENTENCE * (length // len(SENTENCE) + 1))[:length]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_one_megabyte_body_is_refused_and_nothing_typed_is_lost(client_for, challenge_factory, user_factory):
    challenge = challenge_factory()
    body = long_text(ONE_MB)
    response = client_for(user_factory()).post(
        reverse("ideas:idea_create", args=[challenge.pk]),
        {"action": "submit", "title": "窓口の待ち時間を見える化", "summary": "整理券の発券データを使う", "body": body},
    )
    assert response.status_code == 400
    assert not Idea.objects.exists()
    errors = response.context["form"].errors["body"]
    # The message names the limit and how long the text is, so the author knows how much to cut.
    assert any("10,000" in error and "1,048,576" in error for error in errors), errors
    page = response.content.decode()
    assert errors[0] in page
    assert body in page and "窓口の待ち時間を見える化" in page and "整理券の発券データを使う" in page


def test_a_body_of_exactly_the_limit_is_saved(client_for, challenge_factory, user_factory):
    challenge = challenge_factory()
    body = long_text(10_000)
    response = client_for(user_factory()).post(
        reverse("ideas:idea_create", args=[challenge.pk]),
        {"action": "submit", "title": "長い説明のアイデア", "summary": "要約", "body": body},
    )
    assert response.status_code == 302
    assert Idea.objects.get().body == body


def test_an_idea_stored_with_a_longer_body_still_opens_and_can_be_edited(client_for, idea_factory):
    body = long_text(30_000)
    idea = idea_factory(body=body)
    client = client_for(idea.author)
    page = client.get(reverse("ideas:idea_detail", args=[idea.pk]))
    assert page.status_code == 200
    assert "窓口の待ち時間を短縮するため" in page.content.decode()
    editor = client.get(reverse("ideas:idea_edit", args=[idea.pk]))
    assert editor.status_code == 200
    assert body in editor.content.decode()  # shown whole, for the author to shorten
