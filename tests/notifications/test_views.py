import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.roles import Role
from apps.notifications import services
from apps.notifications.models import Announcement, Notification

pytestmark = pytest.mark.django_db


def notify(user, title="研修のお知らせ"):
    return services.notification_send(recipients=[user], kind="announcement", params={"title": title}, url="/")[0]


def test_unread_badge_and_list(client_for, staff_user):
    notify(staff_user, "一件目")
    notify(staff_user, "二件目")
    html = client_for(staff_user).get(reverse("notifications:list")).content.decode()
    assert "一件目" in html and "二件目" in html
    assert '<span class="badge" aria-hidden="true">2</span>' in html


def test_opening_marks_read_and_follows_the_link(client_for, staff_user):
    n = notify(staff_user)
    response = client_for(staff_user).get(reverse("notifications:open", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == "/"
    n.refresh_from_db()
    assert n.is_read


@pytest.mark.parametrize("roles", [[], [Role.ADMIN], [Role.COE]])
def test_someone_elses_notification_does_not_exist_for_anyone_else(client_for, user_factory, roles):
    """Not found, not forbidden: a 403 would tell that the notification exists."""
    n = notify(user_factory())
    assert client_for(user_factory(roles=roles)).get(reverse("notifications:open", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert not n.is_read


def test_foreign_links_are_not_followed(client_for, staff_user):
    n = Notification.objects.create(
        recipient=staff_user, kind="announcement", params={"title": "x"}, url="https://evil.example/"
    )
    response = client_for(staff_user).get(reverse("notifications:open", args=[n.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_mark_all_read_needs_post(client_for, staff_user):
    notify(staff_user)
    client = client_for(staff_user)
    assert client.get(reverse("notifications:read_all")).status_code == 405
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=staff_user, read_at__isnull=True).exists()


def test_list_query_count_does_not_grow_with_notifications(client_for, staff_user, user_factory):
    client = client_for(staff_user)
    actor = user_factory()
    services.notification_send(recipients=[staff_user], kind="announcement", params={"title": "a"}, actor=actor)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("notifications:list")).status_code == 200
        return len(ctx)

    queries()  # the first request of a session warms per-process caches
    few = queries()
    for i in range(30):
        services.notification_send(
            recipients=[staff_user], kind="announcement", params={"title": str(i)}, actor=user_factory()
        )
    queries()  # new notifications dropped the cached unread badge: counted once again
    assert queries() == few


def test_announcement_form_keeps_input_and_explains_errors(client_for, coe_user):
    client = client_for(coe_user)
    response = client.post(reverse("notifications:announcement_create"), {"title": "", "body": "書きかけの本文"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "書きかけの本文" in html  # nothing typed is lost
    assert 'id="error-summary"' in html and 'href="#id_title"' in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_title_error"' in html
    assert not Announcement.objects.exists()


def test_publishing_an_announcement_notifies_everyone(client_for, coe_user, user_factory):
    readers = [user_factory() for _ in range(3)]
    response = client_for(coe_user).post(
        reverse("notifications:announcement_create"), {"title": "全庁DX研修", "body": "参加者募集"}
    )
    announcement = Announcement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:announcement_detail", args=[announcement.pk])
    # Each reader once; the author is not told of their own announcement.
    assert sorted(Notification.objects.values_list("recipient", flat=True)) == sorted(u.pk for u in readers)


def test_preferences_are_saved(client_for, staff_user):
    client = client_for(staff_user)
    client.post(reverse("notifications:preferences"), {"announcement": "digest"})
    assert staff_user.notification_preferences.get(kind="announcement").email == "digest"
    response = client.post(reverse("notifications:preferences"), {"announcement": "sometimes"})
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    assert staff_user.notification_preferences.get(kind="announcement").email == "digest"


def test_unread_badge_follows_new_and_read_notifications(client_for, staff_user, user_factory):
    """The badge count is cached between pages; sending and reading must show at once."""
    client = client_for(staff_user)

    def badge() -> str:
        html = client.get(reverse("accounts:profile")).content.decode()
        found = re.search(r'<span class="badge" aria-hidden="true">(\d+)</span>', html)
        return found.group(1) if found else ""

    assert badge() == ""
    for title in ("a", "b"):
        services.notification_send(
            recipients=[staff_user], kind="announcement", params={"title": title}, actor=user_factory()
        )
    assert badge() == "2"
    services.notification_mark_read(user=staff_user, notification=staff_user.notifications.first())
    assert badge() == "1"
    services.notifications_mark_all_read(user=staff_user)
    assert badge() == ""


@pytest.mark.parametrize(
    ("roles", "allowed"), [([], False), ([Role.MANAGER], False), ([Role.COE], True), ([Role.ADMIN], True)]
)
def test_only_the_coe_and_administrators_publish_announcements(client_for, user_factory, roles, allowed):
    reader = user_factory()
    client = client_for(user_factory(roles=roles))
    assert client.get(reverse("notifications:announcement_create")).status_code == (200 if allowed else 403)
    response = client.post(reverse("notifications:announcement_create"), {"title": "臨時のお知らせ", "body": "本文"})
    assert response.status_code == (302 if allowed else 403)
    assert list(Announcement.objects.values_list("title", flat=True)) == (["臨時のお知らせ"] if allowed else [])
    assert list(Notification.objects.filter(recipient=reader).values_list("kind", flat=True)) == (
        ["announcement"] if allowed else []
    )
    # The button is offered to those who may use it only.
    html = client.get(reverse("notifications:announcements")).content.decode()
    assert (reverse("notifications:announcement_create") in html) is allowed


def test_a_notification_without_a_link_opens_the_notification_centre(client_for, staff_user):
    (notification,) = services.notification_send(recipients=[staff_user], kind="announcement", params={"title": "a"})
    response = client_for(staff_user).get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list")


def test_the_notification_centre_names_who_acted(client_for, staff_user, user_factory):
    actor = user_factory(display_name="総務 花子")
    services.notification_send(recipients=[staff_user], kind="announcement", params={"title": "a"}, actor=actor)
    assert "総務 花子" in client_for(staff_user).get(reverse("notifications:list")).content.decode()
