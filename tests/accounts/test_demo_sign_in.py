import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_demo_picker_signs_in_as_the_chosen_account(client, coe_user):
    page = client.get(reverse("accounts:demo_sign_in"))
    assert page.status_code == 200
    assert coe_user.get_full_name() in page.content.decode()

    response = client.post(reverse("accounts:demo_sign_in"), {"user_id": coe_user.pk, "next": "/notifications/"})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert client.session["_auth_user_id"] == str(coe_user.pk)


def test_demo_picker_ignores_inactive_accounts(client, staff_user):
    staff_user.is_active = False
    staff_user.save()
    response = client.post(reverse("accounts:demo_sign_in"), {"user_id": staff_user.pk})
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session


@override_settings(PORTAL_LOCAL_LOGIN=False)
def test_demo_picker_does_not_exist_without_local_login(client, coe_user):
    assert client.get(reverse("accounts:demo_sign_in")).status_code == 404
    assert client.post(reverse("accounts:demo_sign_in"), {"user_id": coe_user.pk}).status_code == 404
    assert "_auth_user_id" not in client.session


def test_sign_in_page_offers_the_demo_accounts(client):
    html = client.get(reverse("account_login")).content.decode()
    assert reverse("accounts:demo_sign_in") in html
