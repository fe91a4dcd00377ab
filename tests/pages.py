"""Helpers for tests that compare whole pages (the page-body caches)."""

import re

from django.test import Client


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="apps.accounts.backends.PasswordBackend")
    return client


def page_html(client: Client, url: str) -> str:
    """The page's HTML without its CSRF tokens (each response masks them anew)."""
    response = client.get(url)
    assert response.status_code == 200
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
