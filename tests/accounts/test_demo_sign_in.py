import io

import pytest
from django.test import override_settings
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.devdata.demo import accounts as demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_coe(user_factory):
    return user_factory(roles=[Role.COE], is_demo=True, display_name="デモ 太郎")


def test_demo_picker_signs_in_as_the_chosen_account(client, demo_coe):
    page = client.get(reverse("accounts:demo_sign_in"))
    assert page.status_code == 200
    assert demo_coe.get_full_name() in page.content.decode()

    response = client.post(reverse("accounts:demo_sign_in"), {"user_id": demo_coe.pk, "next": "/notifications/"})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert client.session["_auth_user_id"] == str(demo_coe.pk)


def test_demo_picker_offers_and_accepts_only_the_seeded_demo_accounts(client, demo_coe, user_factory):
    """An administrator (or anyone) who signed in with Entra ID is not a demo account: the
    picker neither lists them nor signs in as them, even given their id."""
    real_admin = user_factory(roles=[Role.ADMIN], display_name="本物 管理者")
    real_staff = user_factory(display_name="本物 職員")
    html = client.get(reverse("accounts:demo_sign_in")).content.decode()
    assert demo_coe.get_full_name() in html
    assert real_admin.get_full_name() not in html and real_staff.get_full_name() not in html

    for account in (real_admin, real_staff):
        response = client.post(reverse("accounts:demo_sign_in"), {"user_id": account.pk})
        assert response.status_code == 404
        assert "_auth_user_id" not in client.session


def test_seed_demo_flags_the_accounts_it_creates_and_the_picker_offers_them(client):
    demo.seed(io.StringIO())
    seeded = User.objects.filter(employee_number__startswith="D")
    assert seeded.count() == demo.USER_COUNT
    assert not seeded.filter(is_demo=False).exists()
    admin = seeded.filter(groups__name=Role.ADMIN).first()
    assert admin.get_full_name() in client.get(reverse("accounts:demo_sign_in")).content.decode()

    # Accounts seeded before they were flagged are flagged by the next seed_demo.
    seeded.update(is_demo=False)
    demo.seed(io.StringIO())
    assert not seeded.filter(is_demo=False).exists()


def test_demo_picker_ignores_inactive_accounts(client, demo_coe):
    demo_coe.is_active = False
    demo_coe.save()
    assert demo_coe.get_full_name() not in client.get(reverse("accounts:demo_sign_in")).content.decode()
    response = client.post(reverse("accounts:demo_sign_in"), {"user_id": demo_coe.pk})
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("next_value", ["foo", "//evil.example/", "https://evil.example/", "²", ""])
def test_demo_picker_goes_home_for_any_next_that_is_not_a_path_here(client, demo_coe, next_value):
    page = client.get(reverse("accounts:demo_sign_in"), {"next": next_value})
    assert page.status_code == 200
    assert 'name="next" value=""' in page.content.decode()
    response = client.post(reverse("accounts:demo_sign_in"), {"user_id": demo_coe.pk, "next": next_value})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")


def test_demo_picker_keeps_a_next_path_through_the_page(client, demo_coe):
    page = client.get(reverse("accounts:demo_sign_in"), {"next": "/support/queue/"})
    assert 'name="next" value="/support/queue/"' in page.content.decode()


@pytest.mark.parametrize("user_id", ["abc", "²", "-1", "0", "", "9" * 30])
def test_demo_picker_answers_odd_ids_without_an_error(client, demo_coe, user_id):
    response = client.post(reverse("accounts:demo_sign_in"), {"user_id": user_id})
    assert response.status_code in (200, 404)
    assert "_auth_user_id" not in client.session


@override_settings(PORTAL_LOCAL_LOGIN=False)
def test_demo_picker_does_not_exist_without_local_login(client, demo_coe):
    assert client.get(reverse("accounts:demo_sign_in")).status_code == 404
    assert client.post(reverse("accounts:demo_sign_in"), {"user_id": demo_coe.pk}).status_code == 404
    assert "_auth_user_id" not in client.session


def test_sign_in_page_offers_the_demo_accounts(client):
    html = client.get(reverse("account_login")).content.decode()
    assert reverse("accounts:demo_sign_in") in html


@pytest.mark.parametrize(
    ("next_value", "expected"),
    [("/knowledge/", "/knowledge/"), ("foo", "/"), ("//evil.example/", "/"), ("https://evil.example/x", "/")],
)
def test_language_switch_returns_only_to_a_path_here(client, next_value, expected):
    response = client.post(reverse("accounts:language"), {"language": "en", "next": next_value})
    assert response.status_code == 302
    assert response["Location"] == expected
    assert response.cookies["django_language"].value == "en"
