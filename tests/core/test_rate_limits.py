"""Per-person limits on writes that reach other people (PRODUCT.md: "rate limits on writes"),
and on signing in: over the limit the post is not handled, the answer is a 429 page that
says how long to wait and keeps what was typed in a form that sends it again. Administrators
are limited like everyone else; one person's limit does not touch another's.

The clock of the counters is held still (django-ratelimit counts in fixed windows), so a
test never straddles the end of a window."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.accounts.roles import Role
from apps.cases.models import CaseAttachment
from apps.core import ratelimits
from apps.ideas.models import Comment
from apps.notifications.models import Notification
from apps.support.models import Kind, Reply, SupportRequest
from tests.cases.factories import CaseFactory
from tests.factories import UserFactory
from tests.ideas.factories import IdeaFactory
from tests.support.factories import SupportRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def still_clock(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path
    # The middle of a minute and of an hour: no window of any key ends during the test.
    with mock.patch("django_ratelimit.core.time.time", return_value=1_790_000_000.0):
        yield


def _allowed(limit: ratelimits.Limit) -> int:
    return int(limit.rate.split("/")[0])


def _assert_refused_and_kept(response, *typed: str) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    html = response.content.decode()
    for text in typed:
        assert text in html  # shown, and in the hidden fields that send it again
    assert f'action="{response.wsgi_request.path}"' in html


@pytest.mark.parametrize("roles", [[], [Role.ADMIN]])
def test_comments_beyond_the_limit_are_refused_and_the_text_kept(client, roles):
    idea = IdeaFactory()
    person = UserFactory(roles=roles)
    client.force_login(person)
    url = reverse("ideas:comment_add", args=[idea.pk])
    for n in range(_allowed(ratelimits.COMMENT)):
        assert client.post(url, {"body": f"コメント{n}"}).status_code == 302
    refused = client.post(url, {"body": "まだ書きたいことがあります"})
    _assert_refused_and_kept(refused, "まだ書きたいことがあります")
    assert Comment.objects.filter(author=person).count() == _allowed(ratelimits.COMMENT)
    assert Notification.objects.filter(recipient=idea.author, kind="idea_commented").count() == _allowed(
        ratelimits.COMMENT
    )
    # Someone else comments as usual.
    other = UserFactory()
    client.force_login(other)
    assert client.post(url, {"body": "賛成です"}).status_code == 302


def test_support_requests_beyond_the_limit_are_refused_and_the_text_kept(client):
    person = UserFactory()
    client.force_login(person)
    url = reverse("support:ask")
    for n in range(_allowed(ratelimits.REQUEST)):
        form = {"kind": Kind.OTHER, "title": f"相談{n}", "description": "内容", "department": person.department_id}
        assert client.post(url, form).status_code == 302
    form = {"kind": Kind.OTHER, "title": "庁内研修の相談", "description": "来年度の研修計画について", "department": ""}
    _assert_refused_and_kept(client.post(url, form), "庁内研修の相談", "来年度の研修計画について")
    assert SupportRequest.objects.filter(requester=person).count() == _allowed(ratelimits.REQUEST)


def test_replies_beyond_the_limit_are_refused_and_the_text_kept(client):
    request = SupportRequestFactory(status="in_progress")
    client.force_login(request.requester)
    url = reverse("support:reply", args=[request.pk])
    for n in range(_allowed(ratelimits.REPLY)):
        assert client.post(url, {"body": f"追記{n}"}).status_code == 302
    _assert_refused_and_kept(client.post(url, {"body": "もう一点だけ"}), "もう一点だけ")
    assert Reply.objects.filter(request=request).count() == _allowed(ratelimits.REPLY)


def test_uploads_beyond_the_limit_are_refused(client):
    case = CaseFactory()
    coe = UserFactory(roles=[Role.COE])
    client.force_login(coe)
    url = reverse("cases:attachment_upload", args=[case.pk])
    for n in range(_allowed(ratelimits.UPLOAD)):
        upload = SimpleUploadedFile(f"memo{n}.txt", b"hello", content_type="text/plain")
        assert client.post(url, {"file": upload, "description": f"資料{n}"}).status_code == 302
    upload = SimpleUploadedFile("last.txt", b"hello", content_type="text/plain")
    refused = client.post(url, {"file": upload, "description": "最後の資料"})
    _assert_refused_and_kept(refused, "最後の資料")
    assert "add them again" in refused.content.decode() or "もう一度" in refused.content.decode()
    assert CaseAttachment.objects.filter(case=case).count() == _allowed(ratelimits.UPLOAD)


def test_demo_sign_in_beyond_the_limit_is_refused(client, settings):
    settings.PORTAL_LOCAL_LOGIN = True
    person = UserFactory(is_demo=True)
    url = reverse("accounts:demo_sign_in")
    for _ in range(_allowed(ratelimits.DEMO_SIGN_IN)):
        assert client.post(url, {"user_id": person.pk}).status_code == 302
        client.logout()
    assert client.post(url, {"user_id": person.pk}).status_code == 429


def test_password_sign_in_beyond_the_limit_is_refused(client, settings):
    settings.PORTAL_LOCAL_LOGIN = True
    UserFactory(username="someone")
    url = reverse("account_login")
    for _ in range(_allowed(ratelimits.SIGN_IN)):
        assert client.post(url, {"login": "someone", "password": "wrong"}).status_code != 429
    assert client.post(url, {"login": "someone", "password": "wrong"}).status_code == 429
