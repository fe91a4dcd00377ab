import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_japanese_is_the_default(client_for, staff_user):
    response = client_for(staff_user).get(reverse("core:home"))
    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert response["Content-Language"] == "ja"
    assert "お知らせ" in html  # "Announcements" in the navigation


def test_switch_to_english_and_back_is_remembered(client_for, staff_user):
    client = client_for(staff_user)
    response = client.post(reverse("accounts:language"), {"language": "en", "next": "/notifications/"})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    staff_user.refresh_from_db()
    assert staff_user.language == "en"
    html = client.get(reverse("core:home")).content.decode()
    assert '<html lang="en">' in html
    assert "Announcements" in html

    client.post(reverse("accounts:language"), {"language": "ja"})
    assert '<html lang="ja">' in client.get(reverse("core:home")).content.decode()


def test_anonymous_switch_uses_a_cookie(client):
    client.post(reverse("accounts:language"), {"language": "en"})
    assert '<html lang="en">' in client.get(reverse("account_login")).content.decode()


def test_switch_refuses_foreign_redirects_and_unknown_languages(client):
    response = client.post(reverse("accounts:language"), {"language": "fr", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert '<html lang="ja">' in client.get(reverse("account_login")).content.decode()


def test_dates_are_shown_the_japanese_way(client_for, staff_user, announcement_factory):
    announcement = announcement_factory()
    html = client_for(staff_user).get(reverse("notifications:announcements")).content.decode()
    local = timezone.localtime(announcement.created_at)  # Asia/Tokyo
    assert f"{local.year}年{local.month}月{local.day}日" in html
