"""The COE's case editor: errors are explained, and nothing typed is lost."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.cases.models import Case, Visibility
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def form_data(field_factory, tool_factory):
    department = DepartmentFactory()
    return {
        "title": "粗大ごみ受付チャットボット",
        "summary": "写真で品目がわかるチャットボットで、24時間申し込めるようにしました。",
        "department": department.pk,
        "field": field_factory(code="administrative-services").pk,
        "stage": "live",
        "started_on": "2024-06-03",
        "tools": [tool_factory(code="chatbot").pk, tool_factory(code="image-recognition").pk],
        "problem": "電話が**つながりにくい**。",
        "approach": "1. 新規申し込み\n2. 品目の質問",
        "hours_saved_per_year": "1850",
        "hours_method": "estimated",
        "residents_affected": "24000",
        "lessons": "判定結果を必ず確認する。",
        "reused_by": [],
        "contacts_text": "",
        "links_text": "",
    }


def test_create_and_publish(client_for, coe_user, form_data):
    contact = UserFactory(username="yamada.taro")
    response = client_for(coe_user).post(
        reverse("cases:create"),
        {**form_data, "contacts_text": "yamada.taro", "links_text": "記事 | https://example.jp/a", "publish": "1"},
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.visibility == Visibility.PUBLISHED and case.author == coe_user
    assert case.hours_saved_per_year == Decimal("1850") and case.fiscal_year == 2024
    assert list(case.contacts.all()) == [contact]
    assert list(case.links.values_list("title", "url")) == [("記事", "https://example.jp/a")]
    page = client_for(coe_user).get(case.get_absolute_url()).content.decode()
    assert "<strong>つながりにくい</strong>" in page  # Markdown rendered


def test_save_as_draft_is_the_default(client_for, coe_user, form_data):
    client_for(coe_user).post(reverse("cases:create"), form_data)
    assert Case.objects.get().visibility == Visibility.DRAFT


def test_negative_hours_keep_everything_typed(en_client_for, coe_user, form_data):
    response = en_client_for(coe_user).post(
        reverse("cases:create"),
        {**form_data, "hours_saved_per_year": "-10", "links_text": "記事 | https://example.jp/a"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hours saved per year cannot be negative." in html
    assert 'id="error-summary"' in html and 'href="#id_hours_saved_per_year"' in html
    assert 'aria-invalid="true"' in html
    # Everything typed is still there.
    assert 'value="-10"' in html
    assert "粗大ごみ受付チャットボット" in html
    assert "電話が**つながりにくい**。" in html
    assert "記事 | https://example.jp/a" in html
    assert 'value="2024-06-03"' in html
    assert not Case.objects.exists()


def test_hours_without_saying_measured_or_estimated(client_for, coe_user, form_data):
    response = client_for(coe_user).post(reverse("cases:create"), {**form_data, "hours_method": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["hours_method"]
    assert not Case.objects.exists()


def test_unknown_contacts_and_bad_links_are_explained(en_client_for, coe_user, form_data):
    response = en_client_for(coe_user).post(
        reverse("cases:create"),
        {**form_data, "contacts_text": "nobody.here", "links_text": "ok | /knowledge/1/\nbad | javascript:alert(1)"},
    )
    errors = response.context["form"].errors
    assert "nobody.here" in errors["contacts_text"][0]
    assert errors["links_text"] == [
        "Line 2: “javascript:alert(1)” is not a web address. "
        "Use an address starting with https:// or a portal page starting with /."
    ]
    assert "nobody.here" in response.content.decode()
    assert not Case.objects.exists()


def test_edit_shows_the_stored_values_and_saves_changes(client_for, coe_user, case_factory, tool_factory):
    rpa = tool_factory(code="rpa")
    contact = UserFactory(username="sato.hina")
    case = case_factory(title="旧タイトル", tools=[rpa], contacts=[contact], started_on=date(2024, 5, 1))
    case.links.create(title="記事", url="/knowledge/3/")
    client = client_for(coe_user)
    form = client.get(reverse("cases:edit", args=[case.pk])).context["form"]
    assert form.initial["contacts_text"] == "sato.hina"
    assert form.initial["links_text"] == "記事 | /knowledge/3/"
    data = {
        name: value
        for name, value in {
            "title": "新タイトル",
            "summary": case.summary,
            "department": case.department_id,
            "field": case.field_id,
            "stage": "scaled",
            "started_on": "2024-05-01",
            "tools": [rpa.pk],
            "contacts_text": "sato.hina",
            "links_text": "記事 | /knowledge/3/",
        }.items()
    }
    response = client.post(reverse("cases:edit", args=[case.pk]), data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.title, case.stage) == ("新タイトル", "scaled")
    assert list(case.contacts.all()) == [contact]


def test_publishing_a_case_without_a_field_explains_why(en_client_for, coe_user, case_factory):
    case = case_factory(draft=True, field=None)
    response = en_client_for(coe_user).post(reverse("cases:publish", args=[case.pk]), follow=True)
    assert "Choose a field for this case before publishing it." in response.content.decode()
    case.refresh_from_db()
    assert case.visibility == Visibility.DRAFT
