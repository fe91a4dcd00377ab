"""Microsoft Graph, app-only (client credentials), through MSAL.

- One MSAL ConfidentialClientApplication per process and configuration, with an
  in-memory token cache. MSAL answers from that cache until five minutes before
  the token expires, so a burst of Graph calls costs one token request; a token
  that Graph refuses anyway (401) is dropped from the cache and fetched once more.
- Every Graph call is retried a few times on 429 (honouring Retry-After) and on
  5xx or a network failure, with exponential backoff, and then raises
  `GraphTransientError`. The retries are short on purpose: a caller that must not
  lose work (the notifications outbox behind `GraphEmailBackend`) has its own,
  slower retry with backoff and takes over from there.
- Nothing here runs unless GRAPH_ENABLED is on: with no Graph settings the
  portal never calls Microsoft outside the sign-in itself.

Application permissions this needs (docs/entra-id.md): User.Read.All (department,
job title, mail; the directory sync's /users/delta), GroupMember.Read.All (only for
ENTRA_ROLE_CLAIM=groups with more groups than fit in a token, and for the directory
sync's group scope, DIRECTORY_SYNC_GROUP_ID) and Mail.Send restricted to GRAPH_MAILBOX.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from email.mime.base import MIMEBase
from typing import Any
from urllib.parse import quote

import msal
import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)

GRAPH_SCOPES = ["https://graph.microsoft.com/.default"]
# A Retry-After longer than this is not waited for here: the caller's own retry is better placed.
MAX_RETRY_WAIT_SECONDS = 30.0
# checkMemberGroups accepts at most this many group ids per call.
MEMBER_GROUPS_CHUNK = 20


class GraphError(Exception):
    """Graph or the token endpoint refused the request (or Graph is not configured)."""


class GraphTransientError(GraphError):
    """429, 5xx or a network failure that outlasted the short retries: worth trying later."""


def graph_enabled() -> bool:
    return bool(settings.GRAPH_ENABLED)


# --- HTTP with bounded retries ---------------------------------------------------------


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # absent, or an HTTP date: fall back to our own backoff


def request_with_retries(
    send: Callable[[], requests.Response],
    *,
    what: str,
    max_attempts: int,
    backoff_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    on_unauthorized: Callable[[], None] | None = None,
    transient_error: type[Exception] = GraphTransientError,
) -> requests.Response:
    """Call `send` until it answers something other than 429/5xx, at most `max_attempts` times.

    Returns that response (2xx, or a 4xx for the caller to judge). A 401 calls
    `on_unauthorized` once (to drop a stale token) and is retried without counting
    as an attempt. Waits `backoff_seconds * 2**n` between attempts, or Retry-After.
    """
    attempt = 0
    renewed = False
    problem = ""
    while True:
        attempt += 1
        wait: float | None = None
        try:
            response = send()
        except requests.RequestException as exc:
            problem = f"{type(exc).__name__}: {exc}"
        else:
            if response.status_code == 401 and on_unauthorized is not None and not renewed:
                renewed = True
                attempt -= 1
                on_unauthorized()
                continue
            if response.status_code != 429 and response.status_code < 500:
                return response
            problem = f"HTTP {response.status_code}"
            wait = _retry_after(response)
        if attempt >= max_attempts:
            break
        delay = wait if wait is not None else backoff_seconds * 2 ** (attempt - 1)
        if delay > MAX_RETRY_WAIT_SECONDS:
            break
        logger.info("%s: %s, retrying in %.1f s (attempt %d of %d)", what, problem, delay, attempt, max_attempts)
        sleep(delay)
    raise transient_error(f"{what}: {problem} after {attempt} attempt(s)")


# --- the client ---------------------------------------------------------------------------


class GraphClient:
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        authority_url: str,
        endpoint: str = "https://graph.microsoft.com/v1.0",
        timeout: float = 10.0,
        max_attempts: int = 3,
        backoff_seconds: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.authority_url = authority_url.rstrip("/")
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep
        self.session = requests.Session()
        self.token_cache = msal.TokenCache()
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()

    def _msal(self) -> msal.ConfidentialClientApplication:
        # Built on first use: MSAL reads the authority's discovery document in its constructor.
        with self._lock:
            if self._app is None:
                self._app = msal.ConfidentialClientApplication(
                    self.client_id,
                    client_credential=self.client_secret,
                    authority=self.authority_url,
                    # The authority is the operator's choice (a tenant GUID on a known cloud):
                    # no need to ask Microsoft's instance discovery to vouch for it.
                    instance_discovery=False,
                    token_cache=self.token_cache,
                    timeout=self.timeout,
                )
            return self._app

    def token(self) -> str:
        """An app-only Graph token, from MSAL's cache while it has more than five minutes left."""
        try:
            result = self._msal().acquire_token_for_client(scopes=GRAPH_SCOPES)
        except ValueError as exc:  # MSAL's "authority unusable" (discovery answered 4xx)
            raise GraphError(f"token: {exc}") from exc
        if "access_token" in result:
            return result["access_token"]
        error = result.get("error", "unknown_error")
        message = f"token: {error}: {result.get('error_description', '')[:300]}"
        if error in {"temporarily_unavailable", "server_error"}:
            raise GraphTransientError(message)
        raise GraphError(message)

    def token_forget(self, token: str) -> None:
        stale = [
            entry
            for entry in self.token_cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)
            if entry.get("secret") == token
        ]
        for entry in stale:
            self.token_cache.remove_at(entry)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: dict | None = None,
        params: dict | None = None,
        max_attempts: int | None = None,
    ) -> requests.Response:
        url = f"{self.endpoint}/{path.lstrip('/')}"
        used: dict[str, str] = {}

        def send() -> requests.Response:
            used["token"] = token = self.token()
            return self.session.request(
                method,
                url,
                json=json,
                params=params,
                headers={"Authorization": f"Bearer {token}"},
                timeout=self.timeout,
            )

        response = request_with_retries(
            send,
            what=f"Graph {method} {path}",
            max_attempts=max_attempts or self.max_attempts,
            backoff_seconds=self.backoff_seconds,
            sleep=self.sleep,
            on_unauthorized=lambda: self.token_forget(used.get("token", "")),
        )
        if response.status_code >= 400:
            raise GraphError(f"Graph {method} {path}: HTTP {response.status_code} {_graph_error(response)}")
        return response

    def request_link(self, link: str, *, max_attempts: int | None = None) -> requests.Response:
        """GET an `@odata.nextLink` or `@odata.deltaLink` that Graph returned (it carries the
        query and the paging state). Only a link under the configured endpoint is followed:
        the token is never sent anywhere else."""
        prefix = f"{self.endpoint}/"
        if not link.startswith(prefix):
            raise GraphError(f"Graph link outside {self.endpoint}: {link[:120]}")
        return self.request("GET", link[len(prefix) :], max_attempts=max_attempts)


def _graph_error(response: requests.Response) -> str:
    try:
        error = response.json().get("error", {})
        return f"{error.get('code', '')}: {error.get('message', '')}"[:300]
    except (ValueError, AttributeError):
        return response.text[:300]


_clients: dict[tuple, GraphClient] = {}
_clients_lock = threading.Lock()


def graph_client() -> GraphClient:
    """The process's client for the current settings (a settings change gets a new one)."""
    if not graph_enabled():
        raise GraphError("Microsoft Graph is not configured (GRAPH_ENABLED is off)")
    key = (
        settings.GRAPH_CLIENT_ID,
        settings.GRAPH_CLIENT_SECRET,
        settings.GRAPH_AUTHORITY_URL,
        settings.GRAPH_ENDPOINT,
        settings.GRAPH_TIMEOUT_SECONDS,
        settings.GRAPH_MAX_ATTEMPTS,
        settings.GRAPH_RETRY_BACKOFF_SECONDS,
    )
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = GraphClient(
                client_id=settings.GRAPH_CLIENT_ID,
                client_secret=settings.GRAPH_CLIENT_SECRET,
                authority_url=settings.GRAPH_AUTHORITY_URL,
                endpoint=settings.GRAPH_ENDPOINT,
                timeout=settings.GRAPH_TIMEOUT_SECONDS,
                max_attempts=settings.GRAPH_MAX_ATTEMPTS,
                backoff_seconds=settings.GRAPH_RETRY_BACKOFF_SECONDS,
            )
    return client


# --- what the portal asks of Graph -------------------------------------------------------


def user_profile_get(*, oid: str, max_attempts: int | None = None) -> dict[str, Any]:
    """A user's department, jobTitle and mail (any may be None) by object id."""
    response = graph_client().request(
        "GET",
        f"users/{quote(oid, safe='')}",
        params={"$select": "id,department,jobTitle,mail"},
        max_attempts=max_attempts,
    )
    data = response.json()
    return {key: data.get(key) for key in ("department", "jobTitle", "mail")}


def user_member_groups_check(*, oid: str, group_ids: Sequence[str], max_attempts: int | None = None) -> set[str]:
    """Which of `group_ids` the user belongs to (directly or through nested groups)."""
    found: set[str] = set()
    ids = list(group_ids)
    for start in range(0, len(ids), MEMBER_GROUPS_CHUNK):
        response = graph_client().request(
            "POST",
            f"users/{quote(oid, safe='')}/checkMemberGroups",
            json={"groupIds": ids[start : start + MEMBER_GROUPS_CHUNK]},
            max_attempts=max_attempts,
        )
        found.update(response.json().get("value", []))
    return found


def _recipients(addresses: Iterable[str]) -> list[dict]:
    return [{"emailAddress": {"address": address}} for address in addresses if address]


def mail_send(
    *,
    to: Sequence[str],
    subject: str,
    body: str,
    content_type: str = "Text",
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    reply_to: Sequence[str] = (),
    attachments: Sequence[tuple[str, bytes, str]] = (),
    mailbox: str | None = None,
    max_attempts: int | None = None,
) -> None:
    """Send one message through Graph sendMail from `mailbox` (default GRAPH_MAILBOX).

    Raises GraphTransientError when Graph kept answering 429/5xx, GraphError when
    it refused the message. Graph answers 202 once it has accepted the message.
    """
    sender = mailbox or settings.GRAPH_MAILBOX
    if not sender:
        raise GraphError("GRAPH_MAILBOX is not set")
    message: dict[str, Any] = {
        "subject": subject,
        "body": {"contentType": content_type, "content": body},
        "toRecipients": _recipients(to),
    }
    if cc:
        message["ccRecipients"] = _recipients(cc)
    if bcc:
        message["bccRecipients"] = _recipients(bcc)
    if reply_to:
        message["replyTo"] = _recipients(reply_to)
    if attachments:
        message["attachments"] = [
            {
                "@odata.type": "#microsoft.graph.fileAttachment",
                "name": name,
                "contentType": mimetype or "application/octet-stream",
                "contentBytes": base64.b64encode(content).decode("ascii"),
            }
            for name, content, mimetype in attachments
        ]
    graph_client().request(
        "POST",
        f"users/{quote(sender, safe='@')}/sendMail",
        json={"message": message, "saveToSentItems": False},
        max_attempts=max_attempts,
    )


# --- Django e-mail backend -------------------------------------------------------------


def _attachments(message: EmailMessage) -> list[tuple[str, bytes, str]]:
    result = []
    for attachment in message.attachments:
        if isinstance(attachment, MIMEBase):
            name = attachment.get_filename() or "attachment"
            content = attachment.get_payload(decode=True) or b""
            mimetype = attachment.get_content_type()
        else:
            name, content, mimetype = attachment
        if isinstance(content, str):
            content = content.encode("utf-8")
        result.append((name or "attachment", content, mimetype or "application/octet-stream"))
    return result


class GraphEmailBackend(BaseEmailBackend):
    """EMAIL_BACKEND = "apps.accounts.graph.GraphEmailBackend": send Django e-mail
    through Graph sendMail from GRAPH_MAILBOX instead of SMTP.

    A message Graph would not take after the short retries raises (unless
    fail_silently), so the notifications outbox keeps the delivery pending and
    retries it later with backoff: nothing is lost.
    """

    def __init__(self, fail_silently: bool = False, mailbox: str | None = None, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.mailbox = mailbox or settings.GRAPH_MAILBOX

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not email_messages:
            return 0
        if not (graph_enabled() and self.mailbox):
            if self.fail_silently:
                return 0
            raise ImproperlyConfigured("GraphEmailBackend needs GRAPH_ENABLED=1 and GRAPH_MAILBOX.")
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            body, content_type = message.body, "HTML" if message.content_subtype == "html" else "Text"
            for content, mimetype in getattr(message, "alternatives", None) or []:
                if mimetype == "text/html":
                    body, content_type = content, "HTML"
            try:
                mail_send(
                    to=message.to,
                    cc=message.cc,
                    bcc=message.bcc,
                    reply_to=message.reply_to,
                    subject=message.subject,
                    body=body,
                    content_type=content_type,
                    attachments=_attachments(message),
                    mailbox=self.mailbox,
                )
            except GraphError:
                if not self.fail_silently:
                    raise
                logger.warning("Graph e-mail to %s failed (fail_silently)", message.to, exc_info=True)
            else:
                sent += 1
        return sent
