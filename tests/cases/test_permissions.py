"""Drafts are for the COE and their author only: not in the list, the page, the facets, the
totals or the search index of anyone else. Only the COE and administrators write."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.cases.models import Case, Visibility
from apps.cases.selectors import CaseFilters, case_facets, hours_saved_totals
from tests.cases.factories import CaseAttachmentFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(case_factory):
    return case_factory(
        title="下書きの事例",
        draft=True,
        author=UserFactory(),
        hours_saved_per_year=Decimal("500"),
        hours_method="estimated",
    )


@pytest.fixture
def published(case_factory):
    return case_factory(title="公開中の事例", hours_saved_per_year=Decimal("100"), hours_method="measured")


def test_staff_do_not_see_drafts_anywhere(client_for, staff_user, draft, published):
    client = client_for(staff_user)
    html = client.get(reverse("cases:list")).content.decode()
    assert "公開中の事例" in html and "下書きの事例" not in html
    assert client.get(reverse("cases:detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("cases:detail", args=[published.pk])).status_code == 200
    stage = next(f for f in case_facets(user=staff_user, filters=CaseFilters()) if f.key == "stage")
    assert sum(v.count for v in stage.values) == 1
    totals = client.get(reverse("cases:totals")).context["totals"]
    assert totals.grand_total == Decimal("100") and totals.case_count == 1


def test_the_author_sees_their_own_draft(client_for, draft):
    client = client_for(draft.author)
    assert "下書きの事例" in client.get(reverse("cases:list")).content.decode()
    response = client.get(reverse("cases:detail", args=[draft.pk]))
    assert response.status_code == 200
    assert 'class="tag tag--draft"' not in response.content.decode()  # the page says it in a banner
    assert "case-page__draft" in response.content.decode()
    # …but may not edit or publish it (COE work).
    assert client.get(reverse("cases:edit", args=[draft.pk])).status_code == 403
    assert client.post(reverse("cases:publish", args=[draft.pk])).status_code == 403


def test_coe_sees_drafts_but_totals_count_only_published_cases(client_for, coe_user, draft, published):
    client = client_for(coe_user)
    assert "下書きの事例" in client.get(reverse("cases:list")).content.decode()
    assert client.get(reverse("cases:detail", args=[draft.pk])).status_code == 200
    # The totals are the official figures: a draft's unchecked numbers never count, for anyone.
    assert hours_saved_totals().grand_total == Decimal("100")
    assert client.get(reverse("cases:totals")).context["totals"].grand_total == Decimal("100")


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "cases:create"),
        ("post", "cases:create"),
        ("get", "cases:edit"),
        ("post", "cases:edit"),
        ("post", "cases:publish"),
        ("post", "cases:unpublish"),
        ("post", "cases:attachment_upload"),
    ],
)
def test_staff_and_managers_may_not_write(client_for, staff_user, manager_user, published, method, name):
    url = reverse(name) if name == "cases:create" else reverse(name, args=[published.pk])
    for user in (staff_user, manager_user):
        client = client_for(user)
        assert getattr(client, method)(url).status_code == 403
        client.logout()
    published.refresh_from_db()
    assert published.visibility == Visibility.PUBLISHED


@pytest.mark.parametrize("fixture", ["coe_user", "admin_user"])
def test_coe_and_admin_may_write(request, client_for, fixture, published):
    client = client_for(request.getfixturevalue(fixture))
    assert client.get(reverse("cases:create")).status_code == 200
    assert client.get(reverse("cases:edit", args=[published.pk])).status_code == 200
    assert client.post(reverse("cases:unpublish", args=[published.pk])).status_code == 302
    assert Case.objects.get(pk=published.pk).visibility == Visibility.DRAFT


def test_anonymous_visitors_are_sent_to_sign_in(client, published):
    for url in (
        reverse("cases:list"),
        reverse("cases:detail", args=[published.pk]),
        reverse("cases:totals"),
        reverse("cases:create"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_publish_and_unpublish_need_post(client_for, coe_user, draft):
    client = client_for(coe_user)
    assert client.get(reverse("cases:publish", args=[draft.pk])).status_code == 405


def test_write_links_are_shown_only_to_the_coe(client_for, staff_user, coe_user, published):
    staff_html = client_for(staff_user).get(reverse("cases:detail", args=[published.pk])).content.decode()
    assert reverse("cases:edit", args=[published.pk]) not in staff_html
    assert reverse("cases:create") not in client_for(staff_user).get(reverse("cases:list")).content.decode()
    coe_html = client_for(coe_user).get(reverse("cases:detail", args=[published.pk])).content.decode()
    assert reverse("cases:edit", args=[published.pk]) in coe_html


def test_navigation_entry_for_every_signed_in_user(client_for, staff_user):
    html = client_for(staff_user).get(reverse("core:home")).content.decode()
    assert f'href="{reverse("cases:list")}"' in html


def test_a_same_department_colleagues_draft_stays_hidden_from_me(client_for, user_factory, case_factory):
    """The hard case of "a draft only for the COE and its author": the author is someone else
    in my own section, so nothing but authorship tells us apart."""
    author = user_factory()
    me = user_factory(department=author.department)
    case = case_factory(title="同じ課の下書き", draft=True, author=author, department=author.department)
    attachment = CaseAttachmentFactory(case=case)
    for user, page, download in ((me, 404, 404), (author, 200, 200)):
        client = client_for(user)
        assert client.get(reverse("cases:detail", args=[case.pk])).status_code == page
        assert client.get(reverse("cases:attachment", args=[attachment.pk])).status_code == download
        listed = "同じ課の下書き" in client.get(reverse("cases:list")).content.decode()
        assert listed is (user == author)
        client.logout()
    assert not me.has_perm("cases.view_case", case)
    assert author.has_perm("cases.view_case", case)


def test_an_administrator_reads_and_edits_drafts_like_the_coe(client_for, admin_user, draft):
    # PRODUCT.md's role table and tests/core/test_permission_matrix.py: cases are written by
    # the COE and administrators, so both see every draft.
    client = client_for(admin_user)
    assert client.get(reverse("cases:detail", args=[draft.pk])).status_code == 200
    assert client.get(reverse("cases:edit", args=[draft.pk])).status_code == 200
    assert "下書きの事例" in client.get(reverse("cases:list")).content.decode()
