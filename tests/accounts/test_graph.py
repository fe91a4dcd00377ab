# ruff: noqa: F811 - the fixtures imported from test_sso_fakes are re-bound by the test parameters using them
"""Microsoft Graph through MSAL, against a local HTTPS fake of the token endpoint and
Graph (tests/accounts/test_sso_fakes.py), and the Teams webhook against a local HTTP fake.
MSAL and requests run unpatched; only the URLs in settings point at the fakes."""

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives

from apps.accounts import graph
from apps.accounts.teams import TeamsPostError, teams_post
from apps.notifications import services as notification_services
from apps.notifications.models import Delivery
from apps.notifications.tasks import notifications_deliver_email
from tests.accounts.test_sso_fakes import (  # noqa: F401 - fixtures, found by pytest in this module
    CLIENT_ID,
    CLIENT_SECRET,
    MAILBOX,
    TENANT,
    graph_on,
    microsoft,
    tls_material,
    webhook,
)

SEND_MAIL = f"/v1.0/users/{MAILBOX}/sendMail"


def client_for(fake, *, max_attempts=3, backoff_seconds=1.0):
    """A client of its own, with a sleep that only records what it was asked to wait."""
    waits: list[float] = []
    client = graph.GraphClient(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        authority_url=f"{fake.base_url}/{TENANT}",
        endpoint=f"{fake.base_url}/v1.0",
        timeout=5,
        max_attempts=max_attempts,
        backoff_seconds=backoff_seconds,
        sleep=waits.append,
    )
    return client, waits


# --- tokens --------------------------------------------------------------------------------


def test_one_token_request_serves_several_graph_calls(graph_on):
    graph_on.users["oid-1"] = {"department": "市民課", "jobTitle": "主任", "mail": "a@city.example.jp"}
    graph_on.users["oid-2"] = {"department": "税務課", "jobTitle": "主事", "mail": None}

    assert graph.user_profile_get(oid="oid-1") == {
        "department": "市民課",
        "jobTitle": "主任",
        "mail": "a@city.example.jp",
    }
    assert graph.user_profile_get(oid="oid-2")["department"] == "税務課"
    graph.mail_send(to=["a@city.example.jp"], subject="件名", body="本文")

    assert len(graph_on.token_requests) == 1
    assert graph_on.token_requests[0]["grant_type"] == "client_credentials"
    assert graph_on.graph_tokens == ["token-1"] * 3
    assert graph.graph_client().token_cache.find(graph.msal.TokenCache.CredentialType.ACCESS_TOKEN)


def test_an_expired_token_is_renewed(microsoft):
    # MSAL treats a token with under five minutes left as expired: the first one here
    # is issued with two minutes, so the next call must fetch a new one.
    microsoft.token_lifetimes.extend([120, 3600])
    microsoft.users["oid-1"] = {"department": "市民課", "jobTitle": None, "mail": None}
    client, _ = client_for(microsoft)

    client.request("GET", "users/oid-1")
    client.request("GET", "users/oid-1")
    client.request("GET", "users/oid-1")

    assert len(microsoft.token_requests) == 2
    assert microsoft.graph_tokens == ["token-1", "token-2", "token-2"]


def test_a_token_graph_refuses_is_dropped_and_renewed_once(microsoft):
    microsoft.users["oid-1"] = {"department": None, "jobTitle": None, "mail": None}
    client, waits = client_for(microsoft)
    client.request("GET", "users/oid-1")
    microsoft.revoke_all_tokens()  # revoked or expired early on Microsoft's side

    client.request("GET", "users/oid-1")

    assert len(microsoft.token_requests) == 2
    assert microsoft.graph_tokens == ["token-1", "token-1", "token-2"]
    assert waits == []


def test_wrong_client_secret_is_a_clear_error(microsoft):
    client = graph.GraphClient(
        client_id=CLIENT_ID,
        client_secret="wrong",
        authority_url=f"{microsoft.base_url}/{TENANT}",
        endpoint=f"{microsoft.base_url}/v1.0",
    )
    with pytest.raises(graph.GraphError, match="invalid_client") as error:
        client.request("GET", "users/oid-1")
    assert not isinstance(error.value, graph.GraphTransientError)


# --- retries ----------------------------------------------------------------------------------


def test_429_and_5xx_are_retried_with_backoff(microsoft):
    microsoft.users["oid-1"] = {"department": "市民課", "jobTitle": None, "mail": None}
    path = "/v1.0/users/oid-1"
    microsoft.script("GET", path, (503, {}), (429, {"Retry-After": "7"}))
    client, waits = client_for(microsoft, max_attempts=3, backoff_seconds=1.0)

    response = client.request("GET", "users/oid-1")

    assert response.json()["department"] == "市民課"
    assert microsoft.calls_to("GET", path) == 3
    assert waits == [1.0, 7.0]  # exponential backoff, then the server's Retry-After
    assert len(microsoft.token_requests) == 1


def test_retries_are_bounded_then_a_transient_error(microsoft):
    path = "/v1.0/users/oid-1"
    microsoft.script("GET", path, (502, {}), (503, {}), (504, {}), (500, {}))
    client, waits = client_for(microsoft, max_attempts=3, backoff_seconds=0.5)

    with pytest.raises(graph.GraphTransientError, match="HTTP 504 after 3 attempt"):
        client.request("GET", "users/oid-1")
    assert microsoft.calls_to("GET", path) == 3
    assert waits == [0.5, 1.0]


def test_a_long_retry_after_is_left_to_the_callers_own_retry(microsoft):
    path = "/v1.0/users/oid-1"
    microsoft.script("GET", path, (429, {"Retry-After": "120"}))
    client, waits = client_for(microsoft)
    with pytest.raises(graph.GraphTransientError):
        client.request("GET", "users/oid-1")
    assert waits == []
    assert microsoft.calls_to("GET", path) == 1


def test_other_4xx_is_not_retried(microsoft):
    client, _ = client_for(microsoft)
    with pytest.raises(graph.GraphError, match="404") as error:
        client.request("GET", "users/nobody")
    assert not isinstance(error.value, graph.GraphTransientError)
    assert microsoft.calls_to("GET", "/v1.0/users/nobody") == 1


def test_group_membership_is_checked_in_chunks_of_twenty(graph_on):
    wanted = [f"group-{n:02d}" for n in range(25)]
    graph_on.member_groups["oid-1"] = {"group-03", "group-22", "group-99"}
    assert graph.user_member_groups_check(oid="oid-1", group_ids=wanted) == {"group-03", "group-22"}
    assert graph_on.calls_to("POST", "/v1.0/users/oid-1/checkMemberGroups") == 2


def test_nothing_calls_microsoft_without_graph_settings(settings, microsoft):
    settings.GRAPH_ENABLED = False
    with pytest.raises(graph.GraphError, match="not configured"):
        graph.user_profile_get(oid="oid-1")
    with pytest.raises(graph.GraphError):
        graph.mail_send(to=["a@city.example.jp"], subject="s", body="b")
    assert microsoft.calls == []


# --- e-mail through Graph ---------------------------------------------------------------------


def test_email_backend_sends_through_sendmail_from_the_mailbox(graph_on, settings):
    settings.EMAIL_BACKEND = "apps.accounts.graph.GraphEmailBackend"
    message = EmailMultiAlternatives(
        "支援依頼が届きました",
        "テキスト本文",
        to=["tanaka@city.example.jp"],
        cc=["coe@city.example.jp"],
        reply_to=["coe@city.example.jp"],
    )
    message.attach_alternative("<p>HTML 本文</p>", "text/html")
    message.attach("report.csv", "a,b\n1,2\n", "text/csv")

    assert message.send() == 1

    [sent] = graph_on.sent_mail
    assert sent["saveToSentItems"] is False
    mail = sent["message"]
    assert mail["subject"] == "支援依頼が届きました"
    assert mail["body"] == {"contentType": "HTML", "content": "<p>HTML 本文</p>"}
    assert mail["toRecipients"] == [{"emailAddress": {"address": "tanaka@city.example.jp"}}]
    assert mail["ccRecipients"] == [{"emailAddress": {"address": "coe@city.example.jp"}}]
    assert mail["replyTo"] == [{"emailAddress": {"address": "coe@city.example.jp"}}]
    [attachment] = mail["attachments"]
    assert attachment["name"] == "report.csv" and attachment["contentType"] == "text/csv"
    assert attachment["contentBytes"] == "YSxiCjEsMgo="


def test_email_backend_raises_when_graph_keeps_failing(graph_on, settings):
    settings.EMAIL_BACKEND = "apps.accounts.graph.GraphEmailBackend"
    graph_on.script("POST", SEND_MAIL, *[(503, {})] * 6)
    with pytest.raises(graph.GraphTransientError):
        EmailMessage("s", "b", to=["a@city.example.jp"]).send()
    assert EmailMessage("s", "b", to=["a@city.example.jp"]).send(fail_silently=True) == 0
    assert graph_on.calls_to("POST", SEND_MAIL) == 6
    assert graph_on.sent_mail == []


@pytest.fixture
def pending_delivery(db, user_factory, settings, graph_on):
    """A real notification whose e-mail waits in the outbox, sent through Graph."""
    settings.EMAIL_BACKEND = "apps.accounts.graph.GraphEmailBackend"
    recipient = user_factory(email="tanaka@city.example.jp")
    notification_services.notification_send(
        recipients=[recipient], kind="announcement", params={"title": "DX 勉強会のお知らせ"}, url="/"
    )
    return Delivery.objects.get(notification__recipient=recipient)


@pytest.mark.django_db
def test_graph_429_then_200_the_notification_is_sent_once(pending_delivery, graph_on, settings):
    # The backend does not retry at all here, so the outbox task's own retry is what saves it.
    settings.GRAPH_MAX_ATTEMPTS = 1
    graph_on.script("POST", SEND_MAIL, (429, {"Retry-After": "0"}))

    # apply() runs the real task eagerly; its self.retry() re-runs at once instead of after 30 s.
    notifications_deliver_email.apply(args=[[pending_delivery.pk]])

    pending_delivery.refresh_from_db()
    assert pending_delivery.status == Delivery.Status.SENT
    assert graph_on.calls_to("POST", SEND_MAIL) == 2  # refused once, accepted once
    assert len(graph_on.sent_mail) == 1
    assert graph_on.sent_mail[0]["message"]["toRecipients"][0]["emailAddress"]["address"] == "tanaka@city.example.jp"

    # A redelivered task finds it sent and sends nothing more.
    notifications_deliver_email.apply(args=[[pending_delivery.pk]])
    assert len(graph_on.sent_mail) == 1


@pytest.mark.django_db
def test_graph_5xx_is_absorbed_by_the_backends_own_retry(pending_delivery, graph_on):
    graph_on.script("POST", SEND_MAIL, (503, {}), (500, {}))

    assert notification_services.delivery_email_send(delivery_id=pending_delivery.pk) is True

    pending_delivery.refresh_from_db()
    assert pending_delivery.status == Delivery.Status.SENT
    assert graph_on.calls_to("POST", SEND_MAIL) == 3
    assert len(graph_on.sent_mail) == 1


@pytest.mark.django_db
def test_graph_down_leaves_the_delivery_pending_for_a_later_retry(pending_delivery, graph_on):
    graph_on.script("POST", SEND_MAIL, *[(503, {})] * 3)
    with pytest.raises(notification_services.TransientDeliveryError):
        notification_services.delivery_email_send(delivery_id=pending_delivery.pk)
    pending_delivery.refresh_from_db()
    assert pending_delivery.status == Delivery.Status.PENDING
    assert graph_on.sent_mail == []


# --- Teams ------------------------------------------------------------------------------------


def test_teams_post_sends_an_adaptive_card(webhook):
    teams_post("**新しい支援依頼** が届きました", f"{webhook.base_url}/webhook", title="DX COE Portal")
    [posted] = webhook.webhook_posts
    assert posted["type"] == "message"
    [attachment] = posted["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    texts = [block["text"] for block in attachment["content"]["body"]]
    assert texts == ["DX COE Portal", "**新しい支援依頼** が届きました"]


def test_teams_post_retries_throttling_and_reports_refusal(webhook):
    waits: list[float] = []
    webhook.script("POST", "/webhook", (429, {"Retry-After": "2"}))
    teams_post("本文", f"{webhook.base_url}/webhook", sleep=waits.append)
    assert waits == [2.0]
    assert len(webhook.webhook_posts) == 1

    webhook.script("POST", "/webhook", (400, {}))
    with pytest.raises(TeamsPostError, match="HTTP 400"):
        teams_post("本文", f"{webhook.base_url}/webhook", sleep=waits.append)
    assert len(webhook.webhook_posts) == 1
