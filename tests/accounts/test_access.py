import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db

SIGNED_IN_PAGES = [
    reverse("core:home"),
    reverse("notifications:list"),
    reverse("notifications:preferences"),
    reverse("notifications:announcements"),
    reverse("accounts:profile"),
]


@pytest.mark.parametrize("url", [*SIGNED_IN_PAGES, reverse("notifications:announcement_create")])
def test_anonymous_user_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


@pytest.mark.parametrize("url", SIGNED_IN_PAGES)
def test_staff_can_open_the_everyday_pages(client_for, staff_user, url):
    assert client_for(staff_user).get(url).status_code == 200


def test_staff_gets_403_on_a_coe_only_page(client_for, staff_user):
    response = client_for(staff_user).get(reverse("notifications:announcement_create"))
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]


def test_staff_cannot_post_to_a_coe_only_page(client_for, staff_user):
    response = client_for(staff_user).post(reverse("notifications:announcement_create"), {"title": "x", "body": "y"})
    assert response.status_code == 403


@pytest.mark.parametrize("fixture", ["coe_user", "admin_user"])
def test_coe_and_admin_may_announce(request, client_for, fixture):
    user = request.getfixturevalue(fixture)
    assert client_for(user).get(reverse("notifications:announcement_create")).status_code == 200


def test_manager_is_not_coe(client_for, manager_user):
    assert client_for(manager_user).get(reverse("notifications:announcement_create")).status_code == 403


def test_django_admin_only_for_admin_role(client_for, staff_user, admin_user, client):
    assert client_for(staff_user).get("/admin/").status_code == 302
    client.logout()
    assert client_for(admin_user).get("/admin/").status_code == 200


def test_navigation_shows_only_what_the_role_may_use(client_for, staff_user, coe_user):
    staff_page = client_for(staff_user).get(reverse("notifications:announcements")).content.decode()
    assert reverse("notifications:announcement_create") not in staff_page
    coe_page = client_for(coe_user).get(reverse("notifications:announcements")).content.decode()
    assert reverse("notifications:announcement_create") in coe_page


def test_refused_permissions_cost_no_query(client_for, staff_user):
    """Permissions are rules only: a refused one (the COE queue link in the navigation) must
    not make Django load model permissions from the database on every page."""
    client = client_for(staff_user)
    client.get(reverse("core:home"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("core:home")).status_code == 200
    assert not staff_user.has_perm("support.view_queue")
    assert not [q["sql"] for q in queries if "auth_permission" in q["sql"]]
