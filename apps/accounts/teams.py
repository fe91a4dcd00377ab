"""Post a message into a Microsoft Teams channel through an incoming webhook.

The webhook is a Teams *Workflows* flow ("When a Teams webhook request is
received" → "Post card in a chat or channel"), whose URL is the only secret.
Graph's app-only chat/channel message API is documented by Microsoft for
migration only, so the portal does not use it. The old Office 365 connector
webhooks are retired; Workflows accepts the same Adaptive Card envelope.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from apps.accounts.graph import request_with_retries


class TeamsPostError(Exception):
    """The webhook refused the message, or kept failing (429/5xx/network) through the retries."""


def teams_card(text: str, *, title: str | None = None) -> dict:
    body: list[dict] = []
    if title:
        body.append({"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True})
    body.append({"type": "TextBlock", "text": text, "wrap": True})
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                },
            }
        ],
    }


def teams_post(
    text: str,
    url: str,
    *,
    title: str | None = None,
    timeout: float = 10.0,
    max_attempts: int = 3,
    backoff_seconds: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Post `text` (Adaptive Card TextBlock markdown) to the webhook at `url`.

    Retries 429/5xx/network failures a few times with backoff, then raises
    TeamsPostError, as it does at once for any other 4xx.
    """
    if not url:
        raise TeamsPostError("no Teams webhook URL configured")
    payload = teams_card(text, title=title)
    response = request_with_retries(
        lambda: requests.post(url, json=payload, timeout=timeout),
        what="Teams webhook",
        max_attempts=max_attempts,
        backoff_seconds=backoff_seconds,
        sleep=sleep,
        transient_error=TeamsPostError,
    )
    if response.status_code >= 400:
        raise TeamsPostError(f"Teams webhook: HTTP {response.status_code} {response.text[:300]}")
