"""A winning idea can be handed to the COE as a support request or started as a case."""

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.cases.models import Case
from apps.ideas.models import Idea

pytestmark = pytest.mark.django_db


def test_coe_publishes_an_idea_as_a_draft_case_keeping_the_link(client_for, idea_factory, user_factory):
    idea = idea_factory(body="紙の申請書を電子化する")
    coe = user_factory(roles=[Role.COE])
    client = client_for(coe)
    page = client.get(reverse("ideas:idea_detail", args=[idea.pk])).content.decode()
    assert reverse("ideas:idea_to_case", args=[idea.pk]) in page
    assert reverse("support:from_idea", args=[idea.pk]) in page

    response = client.post(reverse("ideas:idea_to_case", args=[idea.pk]))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:edit", args=[case.pk])
    assert case.title == idea.title
    assert case.source_kind == "idea" and case.source_id == idea.pk
    assert case.source_url == reverse("ideas:idea_detail", args=[idea.pk])
    # Asking again does not make a second case.
    client.post(reverse("ideas:idea_to_case", args=[idea.pk]))
    assert Case.objects.count() == 1


def test_staff_cannot_hand_over_and_drafts_cannot_become_cases(client_for, idea_factory, user_factory):
    idea = idea_factory()
    staff_client = client_for(user_factory())
    assert (
        reverse("ideas:idea_to_case", args=[idea.pk])
        not in staff_client.get(reverse("ideas:idea_detail", args=[idea.pk])).content.decode()
    )
    assert staff_client.post(reverse("ideas:idea_to_case", args=[idea.pk])).status_code == 403
    assert not Case.objects.exists()

    submitted = idea_factory(status=Idea.Status.SUBMITTED)
    coe_client = client_for(user_factory(roles=[Role.COE]))
    assert coe_client.post(reverse("ideas:idea_to_case", args=[submitted.pk])).status_code == 403
    assert not Case.objects.exists()
