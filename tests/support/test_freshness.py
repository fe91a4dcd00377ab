"""Whatever changes on a request, each viewer sees it on the next page load, exactly as a
page rendered from scratch shows it (nothing the portal caches may keep an old state)."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.support import services
from tests.pages import page_html, signed_in

pytestmark = pytest.mark.django_db

COE_ONLY = {"internal note", "canned reply"}  # changes the requester's page does not show


def _published_article(author):
    from apps.knowledge import services as knowledge_services
    from apps.knowledge.models import Article

    article = knowledge_services.article_create(actor=author, title="Forms で予約を受ける", body="手順。")
    Article.objects.filter(pk=article.pk).update(status="published")
    return Article.objects.get(pk=article.pk)


def test_every_change_shows_at_once_to_each_viewer(make_request, requester, coe, coe2):
    request = make_request()
    url = reverse("support:detail", args=[request.pk])
    viewers = {"requester": signed_in(requester), "coe": signed_in(coe)}
    article = _published_article(coe)

    def version() -> int:
        request.refresh_from_db()
        return request.version

    changes = [
        ("public reply", lambda: services.support_reply_add(request_id=request.pk, author=coe, body="確認します。")),
        (
            "internal note",
            lambda: services.support_reply_add(request_id=request.pk, author=coe, body="内部メモ：予算", internal=True),
        ),
        (
            "triage",
            lambda: services.support_request_triage(
                request_id=request.pk, actor=coe, assignee=coe2, priority=3, expected_version=version()
            ),
        ),
        (
            "waiting",
            lambda: services.support_request_transition(
                request_id=request.pk, actor=coe, to_status="waiting", comment="画面を送ってください",
                expected_version=version(),
            ),
        ),
        (
            "requester's file",
            lambda: services.support_reply_add(
                request_id=request.pk, author=requester, body="送ります。",
                attachments=[SimpleUploadedFile("画面.txt", "内容".encode())],
            ),
        ),
        (
            "link",
            lambda: services.support_request_link_add(
                request_id=request.pk, actor=coe, target_type="article", object_id=article.pk
            ),
        ),
        ("canned reply", lambda: services.canned_reply_save(actor=coe, kind="", title="よくある回答", body="本文")),
        (
            "resolved",
            lambda: services.support_request_transition(
                request_id=request.pk, actor=coe, to_status="resolved", comment="手順書で解決しました",
                expected_version=version(),
            ),
        ),
        ("rating", lambda: services.support_request_rate(request_id=request.pk, actor=requester, rating=4)),
        ("case", lambda: services.support_request_case_create(request_id=request.pk, actor=coe)),
    ]  # fmt: skip
    for name, change in changes:
        before = {who: page_html(client, url) for who, client in viewers.items()}
        change()
        after = {who: page_html(client, url) for who, client in viewers.items()}
        cache.clear()
        fresh = {who: page_html(signed_in(user), url) for who, user in (("requester", requester), ("coe", coe))}
        for who in viewers:
            assert after[who] == fresh[who], f"{who} saw a stale page after: {name}"
            if not (who == "requester" and name in COE_ONLY):
                assert after[who] != before[who], f"{who}'s page did not change after: {name}"
    assert "内部メモ：予算" not in after["requester"] and "内部メモ：予算" in after["coe"]


def test_the_triage_form_is_on_the_coe_members_page_only(make_request, requester, coe):
    request = make_request()
    url = reverse("support:detail", args=[request.pk])
    assert "support-triage" in page_html(signed_in(coe), url)
    assert "support-triage" not in page_html(signed_in(requester), url)


def test_each_viewers_page_carries_their_own_csrf_token(make_request, coe, coe2):
    request = make_request()
    url = reverse("support:detail", args=[request.pk])
    tokens = []
    for user in (coe, coe2):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user, backend="apps.accounts.backends.PasswordBackend")
        html = client.get(url).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        response = client.post(
            reverse("support:reply", args=[request.pk]), {"body": "了解", "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 302  # the token on the page is this viewer's
        tokens.append(token)
    assert tokens[0] != tokens[1]


def test_the_queue_shows_every_change_and_the_passing_time(make_request, requester, coe, coe2, monkeypatch):
    first = make_request(title="一件目の依頼")
    url = reverse("support:queue")
    client = signed_in(coe)

    def fresh() -> str:
        cache.clear()
        return page_html(signed_in(coe), url)

    steps = [
        ("new request", lambda: make_request(title="二件目の依頼")),
        (
            "assigned",
            lambda: services.support_requests_assign(request_ids=[first.pk], actor=coe, assignee=coe2),
        ),
        (
            "status",
            lambda: services.support_request_transition(
                request_id=first.pk, actor=coe, to_status="in_progress", expected_version=2
            ),
        ),
    ]
    for name, change in steps:
        before = page_html(client, url)
        change()
        after = page_html(client, url)
        assert after != before and after == fresh(), f"stale queue after: {name}"
    # Twenty minutes later nothing changed but the ages: the page shows the new ages.
    before = page_html(client, url)
    later = timezone.now() + timedelta(minutes=20)
    monkeypatch.setattr(timezone, "now", lambda: later)
    after = page_html(client, url)
    assert after != before and after == fresh()


def test_new_members_and_renamed_departments_show_at_once(make_request, coe, section):
    from apps.accounts.roles import Role
    from apps.accounts.services import user_roles_set
    from tests.factories import UserFactory

    make_request()
    url = reverse("support:queue")
    client = signed_in(coe)
    newcomer = UserFactory(username="newcomer", display_name="新任 三郎")
    assert "新任 三郎" not in page_html(client, url)
    user_roles_set(user=newcomer, roles=[Role.COE], source="admin", actor=coe)
    assert "新任 三郎" in page_html(client, url)  # in the filter and the bulk-assign selects
    section.name_ja = "市民サービス課"
    section.save()
    assert "市民サービス課" in page_html(client, url)
    newcomer.display_name = "新任 四郎"
    newcomer.save(update_fields=["display_name"])
    html = page_html(client, url)
    assert "新任 四郎" in html and "新任 三郎" not in html
