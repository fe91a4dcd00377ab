"""A post without the form's CSRF token (a stale page, another site's form) is refused with
the portal's own translated page, and nothing is saved: PRODUCT.md, "Secure: … CSRF"."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.ideas.models import Vote
from apps.support.models import SupportRequest
from tests.factories import UserFactory
from tests.ideas.factories import IdeaFactory

pytestmark = pytest.mark.django_db


def strict_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)  # the test client skips the check unless asked
    client.force_login(user)
    return client


def test_a_vote_without_the_token_is_refused_and_not_counted():
    idea, voter = IdeaFactory(), UserFactory()
    response = strict_client(voter).post(reverse("ideas:vote", args=[idea.pk]), {"action": "cast"})
    assert response.status_code == 403
    assert "フォームを送信できませんでした" in response.content.decode()
    assert not Vote.objects.exists()
    idea.refresh_from_db()
    assert idea.vote_count == 0


def test_a_support_request_without_the_token_is_refused_and_not_created():
    requester = UserFactory(language="en")  # the page is in the reader's language
    response = strict_client(requester).post(
        reverse("support:ask"), {"title": "RPAの相談", "body": "請求書の入力を自動化したい", "kind": "consultation"}
    )
    assert response.status_code == 403
    assert "The form could not be sent" in response.content.decode()
    assert "Nothing was saved." in response.content.decode()
    assert not SupportRequest.objects.exists()
