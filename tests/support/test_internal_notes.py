"""An internal note is never seen by the requester's side: not on the request page, not in
an htmx fragment, not in a notification or an e-mail, not in an export, not in search."""

import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.notifications.models import Delivery, Notification
from apps.notifications.services import delivery_email_send
from apps.search.models import SearchDocument
from apps.search.selectors import search, similar
from apps.support import services
from apps.support.models import Attachment, Priority, Status

pytestmark = pytest.mark.django_db

MARKER = "NAIBU-7f3a9c-MARKER"


@pytest.fixture
def history(make_request, requester, coe, coe2, settings):
    """A request with a full conversation, one internal note (with a file) in the middle."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    request = make_request(title="会議室予約を Power Apps で")
    services.support_request_triage(
        request_id=request.pk, actor=coe, assignee=coe2, priority=Priority.HIGH, expected_version=1
    )
    services.support_reply_add(request_id=request.pk, author=coe2, body="担当します。公開の回答です。")
    services.support_reply_add(
        request_id=request.pk,
        author=coe,
        body=f"課長には言わないでください {MARKER}",
        internal=True,
        attachments=[SimpleUploadedFile(f"{MARKER}.txt", f"内部資料 {MARKER}".encode())],
    )
    services.support_request_transition(
        request_id=request.pk, actor=coe2, to_status=Status.WAITING, comment="画面のスクリーンショットをください",
        expected_version=2,
    )  # fmt: skip
    services.support_reply_add(request_id=request.pk, author=requester, body="添付しました")
    services.support_reply_add(request_id=request.pk, author=coe, body=f"二つ目のメモ {MARKER}", internal=True)
    services.support_request_transition(
        request_id=request.pk, actor=coe2, to_status=Status.RESOLVED, comment="アプリを修正しました",
        expected_version=4,
    )  # fmt: skip
    request.refresh_from_db()
    return request


def _pages(request) -> list[tuple[str, dict]]:
    detail = reverse("support:detail", args=[request.pk])
    return [
        (detail, {}),
        (detail + "?canned=1", {}),
        (reverse("support:conversation", args=[request.pk]), {"HTTP_HX_REQUEST": "true"}),
        (reverse("support:conversation", args=[request.pk]), {}),
        (reverse("support:my_requests"), {}),
        (reverse("support:my_requests") + "?scope=department", {}),
        (reverse("core:home"), {}),
        (reverse("notifications:list"), {}),
        (reverse("search:similar") + f"?q={MARKER}", {"HTTP_HX_REQUEST": "true"}),
        (reverse("support:similar") + f"?title={MARKER}", {"HTTP_HX_REQUEST": "true"}),
    ]


def test_the_coe_does_see_the_note(history, client_for, coe):
    client = client_for(coe)
    assert MARKER in client.get(reverse("support:detail", args=[history.pk])).content.decode()
    fragment = client.get(reverse("support:conversation", args=[history.pk]), HTTP_HX_REQUEST="true")
    assert MARKER in fragment.content.decode()


@pytest.mark.parametrize("who", ["requester", "manager"])
def test_pages_and_fragments_never_show_it(history, client_for, requester, manager, who):
    client = client_for({"requester": requester, "manager": manager}[who])
    for url, headers in _pages(history):
        response = client.get(url, **headers)
        assert response.status_code == 200, url
        assert MARKER not in response.content.decode(), url
    # Nor its file, even by guessing the address.
    internal_file = Attachment.objects.get(internal=True)
    response = client.get(reverse("support:attachment", args=[history.pk, internal_file.pk]))
    assert response.status_code == 404


def test_notifications_and_emails_never_carry_it(history, requester, manager, coe, coe2):
    for notification in Notification.objects.all():
        assert MARKER not in notification.text and MARKER not in json.dumps(notification.params, ensure_ascii=False)
    # The note was announced to its assignee only, never to the requester's side.
    note_recipients = set(Notification.objects.filter(kind="support_internal_note").values_list("recipient", flat=True))
    assert note_recipients == {coe2.pk}
    assert set(Notification.objects.filter(recipient=requester).values_list("kind", flat=True)) == {
        "support_reply",
        "support_waiting",
        "support_resolved",
    }
    for delivery in Delivery.objects.filter(status=Delivery.Status.PENDING):
        delivery_email_send(delivery_id=delivery.pk)
    assert mail.outbox, "the requester's notifications were mailed"
    for message in mail.outbox:
        assert MARKER not in message.subject and MARKER not in message.body


def test_exports_never_contain_it(history, client_for, manager, coe):
    for user in (manager, coe):
        response = client_for(user).get(reverse("support:export") + "?status=all")
        assert response.status_code == 200
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        assert history.title in body and "アプリを修正しました" in body  # the public resolution is there
        assert MARKER not in body


@pytest.mark.parametrize("who", ["requester", "manager", "coe"])
def test_search_never_finds_it(history, client_for, requester, manager, coe, who):
    assert not SearchDocument.objects.filter(body__contains=MARKER).exists()
    assert not SearchDocument.objects.filter(title__contains=MARKER).exists()
    # Requests are not a searchable type at all (they are private), so nobody finds the note:
    # the search page (which repeats the query itself) lists no result.
    user = {"requester": requester, "manager": manager, "coe": coe}[who]
    response = client_for(user).get(reverse("search:search") + f"?q={MARKER}")
    assert response.status_code == 200
    assert response.context["results"].hits == []
    assert search(MARKER, user=user).hits == [] and similar(f"課長 {MARKER}", user=user) == []


def test_drafts_made_from_the_request_leave_it_out(history, coe):
    from apps.cases.models import Case
    from apps.knowledge.models import Article

    request = services.support_request_case_create(request_id=history.pk, actor=coe)
    request = services.support_request_article_create(request_id=history.pk, actor=coe)
    case, article = Case.objects.get(pk=request.case_id), Article.objects.get(pk=request.article_id)
    assert MARKER not in " ".join([case.title, case.summary, case.problem, case.approach, article.body])
