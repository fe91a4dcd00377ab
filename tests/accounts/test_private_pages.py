"""What a signed-in user was shown is not kept by the browser or a proxy: pages and exports
answer `Cache-Control: no-store`; static files stay cacheable."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from apps.accounts.roles import Role
from apps.core.middleware import PrivatePagesMiddleware

pytestmark = pytest.mark.django_db


def not_stored(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (None, "/"),
        (None, "/accounts/profile/"),
        (None, "/support/requests/"),
        (Role.COE, "/support/queue/"),
        (Role.COE, "/support/queue/export.csv"),
        (Role.MANAGER, "/reports/"),
        (Role.MANAGER, "/reports/export/report.xlsx"),
    ],
)
def test_signed_in_pages_and_exports_are_not_stored(client, user_factory, role, url):
    client.force_login(user_factory(roles=[role] if role else []))
    response = client.get(url)
    assert response.status_code == 200, url
    assert not_stored(response), response.get("Cache-Control")


def test_an_error_page_for_a_signed_in_user_is_not_stored_either(client, staff_user):
    client.force_login(staff_user)
    response = client.get("/support/queue/")  # staff: 403
    assert response.status_code == 403
    assert not_stored(response)


def test_static_files_stay_cacheable_for_a_signed_in_user(client, staff_user):
    client.force_login(staff_user)
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert not not_stored(response)


def test_a_private_cache_choice_of_the_view_is_kept(staff_user):
    """An inline image is cached privately for an hour (apps.core.downloads): private already."""
    request = RequestFactory().get("/")
    request.user = staff_user

    def view(_request):
        response = HttpResponse(b"image")
        response["Cache-Control"] = "private, max-age=3600"
        return response

    assert PrivatePagesMiddleware(view)(request)["Cache-Control"] == "private, max-age=3600"


def test_every_page_lets_forms_post_only_to_the_portal(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert "form-action 'self'" in response["Content-Security-Policy"]
