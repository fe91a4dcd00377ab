# ruff: noqa: F811 - the fixtures imported from test_sso_fakes are re-bound by the test parameters using them
"""Production lock-down: with SSO configured and local sign-in off, only the sign-in page
is open, password pages do not exist, the admin signs in through Entra ID too, sessions
expire when idle and cookies are locked; and development still works without Entra."""

import datetime as dt
import json
import os
import re
import secrets
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from apps.accounts.middleware import SignInRequiredMiddleware
from apps.accounts.roles import Role
from tests.accounts.test_sso_fakes import (  # noqa: F401 - fixtures, found by pytest in this module
    TENANT,
    entra,
    entra_claims,
    oidc_provider,
    sign_in,
)

pytestmark = pytest.mark.django_db

BASE_DIR = Path(django_settings.BASE_DIR)

# What an anonymous visitor may see when SSO is on and local sign-in is off.
OPEN_TO_ANONYMOUS = {
    "account_login",  # the sign-in page: one Microsoft button
    "account_inactive",
    "account_logout",
    "accounts:signed_out",
    "accounts:language",
    "healthz",
    "openid_connect_login",  # "continue to Microsoft?" (POST starts the flow)
    "openid_connect_callback",  # answers an error page without a valid state
    "socialaccount_login_cancelled",
    "socialaccount_login_error",
    "socialaccount_signup",  # redirects away without a pending Entra sign-in
}
PASSWORD_PAGES = [
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
    "account_change_password",
    "account_set_password",
    "account_email",
    "account_reauthenticate",
    "account_confirm_login_code",
    "socialaccount_connections",
    "admin:password_change",
]


def sample_paths():
    """Every URL in the project, with sample values for its parameters: (path, view name)."""
    samples = {"int": "1", "slug": "x", "str": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}
    regex_samples = {
        "provider_id": "entra",
        "key": "x",
        "uidb36": "1",
        "app_label": "accounts",
        "url": "x",
        "path": "x",
    }

    def fill(pattern) -> str:
        text = str(pattern)
        text = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: samples.get(m.group(1) or "str", "x"), text)
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: regex_samples.get(m.group(1), "x"), text)
        return text.replace("^", "").replace("$", "")

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = (
                    f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
                )
                yield from walk(entry.url_patterns, prefix + fill(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
                yield "/" + prefix + fill(entry.pattern), name

    return sorted(set(walk(get_resolver().url_patterns, "", None)))


def entra_signed_in(client, provider, *roles: str):
    sub, oid = f"sub-{secrets.token_hex(6)}", f"{secrets.token_hex(4)}-0000-4000-8000-{secrets.token_hex(6)}"
    provider.user_set(sub, entra_claims(oid, roles=list(roles)))
    assert sign_in(client, provider, sub).status_code == 302
    return client


# --- only the sign-in page is open ------------------------------------------------------------


def test_every_page_but_the_sign_in_pages_needs_a_session(client, entra):
    login = reverse("account_login")
    checked = 0
    for path, name in sample_paths():
        response = client.get(path)
        checked += 1
        if name in OPEN_TO_ANONYMOUS:
            continue
        if response.status_code == 302:
            # The admin checks for itself and sends people to its login, which sends them here.
            assert response["Location"].startswith((f"{login}?next=", "/admin/login/?next=")), (
                path,
                name,
                response["Location"],
            )
        else:
            # Closed pages (404) and wrong methods are fine; anything else would leak a page.
            assert response.status_code in (404, 405), (path, name, response.status_code)
        assert "_auth_user_id" not in client.session
    assert checked > 30


def test_a_session_that_did_not_come_from_entra_is_ended(client, entra, staff_user):
    client.force_login(staff_user)  # e.g. a demo session from before local sign-in was switched off
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_an_entra_session_opens_the_portal(client, entra):
    entra_signed_in(client, entra)
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert client.get(reverse("notifications:list")).status_code == 200


def test_health_probe_and_language_switch_stay_open(client, entra):
    assert client.get("/healthz").status_code in (200, 503)
    response = client.post(reverse("accounts:language"), {"language": "en", "next": reverse("account_login")})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")


# --- password pages are gone --------------------------------------------------------------------


@pytest.mark.parametrize("name", PASSWORD_PAGES)
def test_password_pages_are_404(client, entra, name):
    assert client.get(reverse(name)).status_code == 404
    assert client.post(reverse(name), {"password": "x"}).status_code == 404


def test_password_sign_in_is_404_but_the_page_shows_the_microsoft_button(client, entra, user_factory):
    user_factory(username="local.user", password="pw-for-tests-only")
    response = client.post(reverse("account_login"), {"login": "local.user", "password": "pw-for-tests-only"})
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("account_login"))
    assert page.status_code == 200
    assert reverse("openid_connect_login", args=["entra"]) in page.content.decode()
    assert 'name="password"' not in page.content.decode()


def test_demo_picker_is_404(client, entra, staff_user):
    assert client.get(reverse("accounts:demo_sign_in")).status_code == 404
    assert client.post(reverse("accounts:demo_sign_in"), {"user_id": staff_user.pk}).status_code == 404
    assert "_auth_user_id" not in client.session


def test_other_reset_links_are_404(client, entra, staff_user):
    # A reset link mailed before the switch opens nothing either.
    assert client.get("/accounts/password/reset/key/1-set-password/").status_code == 404


# --- Django admin --------------------------------------------------------------------------


def test_admin_sign_in_goes_through_the_portal_sign_in(client, entra):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('account_login')}?next=/admin/"
    direct = client.get("/admin/login/?next=/admin/accounts/user/")
    assert direct.status_code == 302
    assert direct["Location"] == f"{reverse('account_login')}?next=/admin/accounts/user/"


def test_admin_opens_for_the_entra_admin_role_only(client, entra):
    from django.test import Client

    entra_signed_in(client, entra, "DXPortal.Admin")
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("admin:password_change")).status_code == 404

    staff = entra_signed_in(Client(), entra)
    assert staff.get("/admin/", follow=True).status_code == 403


def test_development_admin_login_also_uses_the_portal_sign_in(client, settings):
    settings.PORTAL_LOCAL_LOGIN = True
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/admin/"


@pytest.mark.parametrize("next_value", ["foo", "//evil.example/", "https://evil.example/admin/"])
def test_admin_sign_in_keeps_only_a_next_path_here(client, entra, next_value):
    response = client.get("/admin/login/", {"next": next_value})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/admin/"


# --- the benchmark's exception -------------------------------------------------------------------


@pytest.fixture
def bench_server(settings):
    """The middleware production settings put first when `make bench` keeps local sign-in
    (tests/core/test_settings.py checks that they do)."""
    settings.MIDDLEWARE = ["apps.accounts.middleware.LoopbackOnlyMiddleware", *settings.MIDDLEWARE]
    settings.PORTAL_LOCAL_LOGIN = True


def test_the_benchmark_server_answers_only_its_own_machine(client, bench_server, user_factory):
    account = user_factory(is_demo=True)
    for remote in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        assert client.get(reverse("accounts:demo_sign_in"), REMOTE_ADDR=remote).status_code == 200, remote
    for remote in ("203.0.113.5", "10.0.0.4", "::ffff:203.0.113.5", "2001:db8::1", ""):
        assert client.get(reverse("accounts:demo_sign_in"), REMOTE_ADDR=remote).status_code == 403, remote
        response = client.post(reverse("accounts:demo_sign_in"), {"user_id": account.pk}, REMOTE_ADDR=remote)
        assert response.status_code == 403
        assert "_auth_user_id" not in client.session
    # A proxy on this machine passing on someone else's request: refused too.
    forwarded = client.get(
        reverse("accounts:demo_sign_in"), REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    assert forwarded.status_code == 403


# --- sessions --------------------------------------------------------------------------------


def test_idle_session_expires_and_activity_keeps_it_alive(client, settings, user_factory):
    settings.SESSION_COOKIE_AGE = 1800
    client.force_login(user_factory(roles=[Role.COE]))
    key = client.session.session_key

    # Activity more than a minute after the last refresh moves the expiry forward.
    session = client.session
    session[SignInRequiredMiddleware.SEEN_KEY] = 0
    session.save()
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + dt.timedelta(seconds=30))
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    expiry = Session.objects.get(pk=key).expire_date
    assert expiry > timezone.now() + dt.timedelta(seconds=1800 - 60)
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 1800
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"

    # Within the minute, no write and no new cookie: not a database write per request.
    again = client.get(reverse("accounts:profile"))
    assert django_settings.SESSION_COOKIE_NAME not in again.cookies

    # Idle past the expiry: signed out. With Redis the session is also cached with the same
    # lifetime; that copy has expired by then too.
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    store = import_module(django_settings.SESSION_ENGINE).SessionStore(session_key=key)
    if hasattr(store, "cache_key"):
        caches[django_settings.SESSION_CACHE_ALIAS].delete(store.cache_key)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- development still works --------------------------------------------------------------------


def test_development_sign_in_without_entra(client, settings, user_factory):
    demo_account = user_factory(is_demo=True)
    settings.PORTAL_LOCAL_LOGIN = True
    settings.PORTAL_SSO_ENABLED = False
    page = client.get(reverse("account_login"))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("accounts:demo_sign_in") in html
    assert "oidc/entra" not in html
    response = client.post(reverse("accounts:demo_sign_in"), {"user_id": demo_account.pk})
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert client.get(reverse("account_reset_password")).status_code == 200


# --- the settings module itself, as production would load it ------------------------------


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ENTRA_", "GRAPH_", "PORTAL_"))}
    clean.update(env)
    clean.setdefault("PORTAL_VAR_DIR", str(Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var")) / "settings-check"))
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120
    )


PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
    "DJANGO_ALLOWED_HOSTS": "portal.city.example.jp",
    "ENTRA_TENANT_ID": TENANT,
    "ENTRA_CLIENT_ID": "7d3e9b1a-2c4f-4e6a-8b0d-1f3a5c7e9b2d",
    "ENTRA_CLIENT_SECRET": "a-client-secret",
    "DJANGO_BEHIND_TLS_PROXY": "1",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "PORTAL_RELEASE": "2026.12.1",
}


def test_production_settings_pass_check_deploy():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_lock_everything_down():
    names = [
        "PORTAL_LOCAL_LOGIN",
        "PORTAL_SSO_ENABLED",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "SOCIALACCOUNT_PROVIDERS",
        "ENTRA_LOGOUT_URL",
        "GRAPH_ENABLED",
    ]
    code = (
        "from django.conf import settings as s; import json; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    result = run_manage("shell", "-c", code, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["PORTAL_LOCAL_LOGIN"] is False and values["PORTAL_SSO_ENABLED"] is True
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["SESSION_COOKIE_HTTPONLY"]
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["GRAPH_ENABLED"] is False
    [app] = values["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"]
    assert app["provider_id"] == "entra"
    assert app["settings"]["server_url"] == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert app["settings"]["fetch_userinfo"] is False
    assert app["settings"]["oauth_pkce_enabled"] is True
    assert app["settings"]["uid_field"] == "oid"
    assert values["ENTRA_LOGOUT_URL"] == f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/logout"


@pytest.mark.parametrize("tenant", ["common", "organizations", "city.onmicrosoft.com"])
def test_a_multi_tenant_authority_is_refused_at_start(tenant):
    result = run_manage("check", **{**PRODUCTION_ENV, "ENTRA_TENANT_ID": tenant})
    assert result.returncode != 0
    assert "ENTRA_TENANT_ID must be the tenant's GUID" in result.stderr


def test_the_env_example_block_works_as_copied():
    # Copied to .env unchanged, the empty lines must mean "the default", not an empty URL.
    text = (BASE_DIR / ".env.example").read_text()
    block = text.split("# --- Entra ID / Graph", 1)[1].split("\n", 1)[1].split("\n# ---", 1)[0]
    values = dict(line.split("=", 1) for line in block.splitlines() if line and not line.startswith("#"))
    assert "ENTRA_ROLE_MAP" in values and "GRAPH_MAILBOX" in values
    values.update(ENTRA_TENANT_ID=TENANT, ENTRA_CLIENT_ID="client", ENTRA_CLIENT_SECRET="secret")
    names = ["ENTRA_AUTHORITY_URL", "ENTRA_ROLE_MAP", "ENTRA_ROLE_CLAIM", "GRAPH_AUTHORITY_URL", "GRAPH_CLIENT_ID"]
    code = (
        "from django.conf import settings as s; import json; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    result = run_manage("shell", "-c", code, **values)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["ENTRA_AUTHORITY_URL"] == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert loaded["ENTRA_ROLE_MAP"]["DXPortal.COE"] == "coe"
    assert loaded["ENTRA_ROLE_CLAIM"] == "roles"
    assert loaded["GRAPH_AUTHORITY_URL"] == f"https://login.microsoftonline.com/{TENANT}"
    assert loaded["GRAPH_CLIENT_ID"] == "client"


def test_development_settings_need_no_entra():
    result = run_manage("check")
    assert result.returncode == 0, result.stderr
