"""A form sent twice — a double click, a reload, five parallel posts of the same form — is
one action: one request, one reply, one comment, one idea, one announcement, and the people
told about it are told once. Through the real pages; in parallel with real connections
(PostgreSQL row locks; SQLite's immediate transactions take one writer at a time, so the
same promise is shown there too)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from apps.accounts.roles import Role
from apps.ideas.models import Comment, Idea
from apps.notifications.models import Announcement, Notification
from apps.support.models import Kind, Reply, SupportRequest
from tests.factories import DepartmentFactory, UserFactory
from tests.ideas.factories import ChallengeFactory, IdeaFactory
from tests.support.factories import SupportRequestFactory

PARALLEL = 5


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.RATELIMIT_ENABLE = False  # the limits have their own tests; here every post must arrive


def _post_at_once(user, url: str, data: dict, times: int = PARALLEL) -> list[int]:
    """`times` signed-in browsers of the same person post the same form at the same moment."""
    clients = []
    for _ in range(times):
        client = Client()
        client.force_login(user)
        clients.append(client)
    start = threading.Barrier(times)

    def post(client):
        start.wait()
        try:
            return client.post(url, data).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(post, clients))


def _request_form(department) -> dict:
    return {
        "kind": Kind.TOOL_ADOPTION,
        "title": "Teams の会議録画を共有したい",
        "description": "録画の保存先と共有範囲を教えてください。",
        "department": department.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_five_parallel_posts_of_one_support_request_make_one_request_and_one_mail_each():
    section = DepartmentFactory()
    requester = UserFactory(department=section)
    coe = [UserFactory(roles=[Role.COE]) for _ in range(2)]
    statuses = _post_at_once(requester, reverse("support:ask"), _request_form(section))
    assert all(status == 302 for status in statuses), statuses
    assert SupportRequest.objects.filter(requester=requester).count() == 1
    for member in coe:
        assert Notification.objects.filter(recipient=member, kind="support_new").count() == 1


@pytest.mark.django_db(transaction=True)
def test_five_parallel_posts_of_one_reply_make_one_reply():
    request = SupportRequestFactory(status="in_progress")
    statuses = _post_at_once(
        request.requester, reverse("support:reply", args=[request.pk]), {"body": "添付の資料をご確認ください。"}
    )
    assert all(status == 302 for status in statuses), statuses
    assert Reply.objects.filter(request=request, author=request.requester).count() == 1


@pytest.mark.django_db(transaction=True)
def test_five_parallel_posts_of_one_comment_make_one_comment_and_one_notification():
    idea = IdeaFactory()
    commenter = UserFactory()
    statuses = _post_at_once(commenter, reverse("ideas:comment_add", args=[idea.pk]), {"body": "賛成です！"})
    assert all(status == 302 for status in statuses), statuses
    assert Comment.objects.filter(idea=idea, author=commenter).count() == 1
    assert Notification.objects.filter(recipient=idea.author, kind="idea_commented").count() == 1


@pytest.mark.django_db(transaction=True)
def test_five_parallel_posts_of_one_new_idea_make_one_idea():
    challenge = ChallengeFactory()
    author = UserFactory()
    form = {"action": "submit", "title": "議事録の自動作成", "summary": "会議の録音から議事録の下書きを作る"}
    statuses = _post_at_once(author, reverse("ideas:idea_create", args=[challenge.pk]), form)
    assert all(status == 302 for status in statuses), statuses
    assert Idea.objects.filter(challenge=challenge, author=author).count() == 1


@pytest.mark.django_db(transaction=True)
def test_five_parallel_posts_of_one_announcement_make_one_announcement():
    coe = UserFactory(roles=[Role.COE])
    reader = UserFactory()
    form = {"title": "システム停止のお知らせ", "body": "12月20日 9時から12時まで停止します。", "department": ""}
    statuses = _post_at_once(coe, reverse("notifications:announcement_create"), form)
    assert all(status == 302 for status in statuses), statuses
    assert Announcement.objects.filter(author=coe).count() == 1
    assert Notification.objects.filter(recipient=reader, kind="announcement").count() == 1


@pytest.mark.django_db
def test_a_second_request_with_other_words_or_later_is_its_own(client, settings):
    section = DepartmentFactory()
    requester = UserFactory(department=section)
    client.force_login(requester)
    first = _request_form(section)
    client.post(reverse("support:ask"), first)
    client.post(reverse("support:ask"), {**first, "title": "Teams の会議録画を共有したい（別の会議）"})
    assert SupportRequest.objects.filter(requester=requester).count() == 2
    # After the window the same words are a new request (someone asking again on purpose).
    SupportRequest.objects.filter(requester=requester).update(created_at="2020-01-01T00:00:00+09:00")
    client.post(reverse("support:ask"), first)
    assert SupportRequest.objects.filter(requester=requester).count() == 3
