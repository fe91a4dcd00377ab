# ruff: noqa: F811 - the fixtures imported from test_sso_fakes are re-bound by the test parameters using them
"""Entra ID sign-in, end to end: the portal's real allauth flow against a real local
OpenID Connect provider (oidc-provider-mock), driven through the test client.
Nothing in allauth is patched; the provider is only told which claims a user has."""

import uuid
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from apps.accounts.models import User
from apps.core.models import AuditEntry
from tests.accounts.test_sso_fakes import (  # noqa: F401 - fixtures, found by pytest in this module
    CALLBACK_PATH,
    OTHER_TENANT,
    TENANT,
    closed_port,
    entra,
    entra_claims,
    failing_token_endpoint,
    graph_on,
    microsoft,
    oidc_provider,
    providers_with_entra,
    sign_in,
    sign_in_start,
    silent_port,
    tls_material,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_pages(client, settings):
    """The failure pages are asserted by their English text; Japanese is the default."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def new_user(provider, **claims) -> tuple[str, str]:
    """A user known to the provider: returns (sub, oid)."""
    sub, oid = f"sub-{uuid.uuid4().hex[:12]}", str(uuid.uuid4())
    provider.user_set(sub, entra_claims(oid, **claims))
    return sub, oid


def roles_of(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def assert_no_session(client) -> None:
    assert "_auth_user_id" not in client.session


def assert_failure_logged(reason: str, detail: str = "") -> None:
    """The failure is in the audit log, with the cause an operator needs."""
    entries = AuditEntry.objects.filter(action="signin.failed", data__reason=reason)
    assert entries.exists()
    assert any(detail in entry.data["detail"] for entry in entries)


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- the sign-in page -------------------------------------------------------------------------


def test_sign_in_page_has_one_microsoft_button_and_no_password_form(client, entra, settings):
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="ja")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'action="{reverse("openid_connect_login", args=["entra"])}"' in html
    assert "Microsoft でサインイン" in html
    assert 'type="password"' not in html
    assert html.count('type="submit" class="button button--primary"') == 1

    english = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign in with Microsoft" in english


# --- the happy path -------------------------------------------------------------------------


def test_authorization_code_flow_signs_in_and_applies_roles_and_profile(client, entra, department_factory):
    coe = department_factory(code="130", name_ja="DX推進課", name_en="DX Section")
    sub, oid = new_user(
        entra,
        roles=["DXPortal.COE", "SomeOtherApp.Role"],
        department="DX推進課",
        jobTitle="主査",
        preferred_username="taro.shiyakusho@city.example.jp",
        email="taro@city.example.jp",
    )

    start = sign_in_start(client, next_url="/notifications/")
    assert start.status_code == 302
    authorize = urlsplit(start["Location"])
    params = parse_qs(authorize.query)
    assert f"{authorize.scheme}://{authorize.netloc}" == entra.base_url
    assert params["response_type"] == ["code"]
    assert params["code_challenge_method"] == ["S256"] and params["code_challenge"][0]
    assert params["state"][0]
    assert set(params["scope"][0].split()) == {"openid", "profile", "email"}
    assert params["redirect_uri"] == [f"http://testserver{CALLBACK_PATH}"]

    callback = entra.authorize(start["Location"], sub)
    assert urlsplit(callback).path == CALLBACK_PATH
    done = client.get(callback)

    assert done.status_code == 302
    assert done["Location"] == "/notifications/"
    user = User.objects.get(socialaccount__provider="entra", socialaccount__uid=oid)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.username == "taro.shiyakusho@city.example.jp"
    assert user.email == "taro@city.example.jp"
    assert user.display_name == "市役所 太郎"
    assert user.department == coe
    assert user.job_title == "主査"
    assert not user.has_usable_password()
    assert roles_of(user) == {"staff", "coe"}
    assert AuditEntry.objects.filter(action="roles.changed", target_id=str(user.pk), data__source="entra").exists()
    # An Entra session opens the portal, with local sign-in off.
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_roles_follow_entra_at_every_sign_in(client, entra):
    sub, oid = new_user(entra, roles=["DXPortal.COE", "DXPortal.Manager"])
    sign_in(client, entra, sub)
    user = User.objects.get(socialaccount__uid=oid)
    assert roles_of(user) == {"staff", "coe", "manager"}

    # The role is changed in Entra ID: the next sign-in (another day, another browser) follows.
    entra.user_set(sub, entra_claims(oid, roles=["DXPortal.Admin"]))
    client.logout()
    sign_in(client, entra, sub)
    user.refresh_from_db()
    assert roles_of(user) == {"staff", "admin"}
    assert user.is_staff and not user.is_superuser

    entra.user_set(sub, entra_claims(oid, roles=[], jobTitle="主事"))
    client.logout()
    sign_in(client, entra, sub)
    user.refresh_from_db()
    assert roles_of(user) == {"staff"}
    assert not user.is_staff and not user.is_superuser
    assert user.job_title == "主事"
    assert User.objects.filter(socialaccount__uid=oid).count() == 1


def test_user_with_no_mapped_role_is_staff(client, entra):
    sub, oid = new_user(entra)
    assert sign_in(client, entra, sub).status_code == 302
    assert roles_of(User.objects.get(socialaccount__uid=oid)) == {"staff"}


def test_user_without_email_signs_in(client, entra):
    sub, oid = new_user(entra, email=None, preferred_username="no.mailbox@city.example.jp")
    response = sign_in(client, entra, sub)
    assert response.status_code == 302
    user = User.objects.get(socialaccount__uid=oid)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.email == ""


def test_email_shared_with_a_local_account_does_not_take_it_over(client, entra, user_factory):
    local = user_factory(username="demo.user", email="shared@city.example.jp")
    sub, oid = new_user(entra, email="shared@city.example.jp", preferred_username="demo.user")
    assert sign_in(client, entra, sub).status_code == 302
    user = User.objects.get(socialaccount__uid=oid)
    assert user.pk != local.pk
    assert client.session["_auth_user_id"] == str(user.pk)


def test_groups_claim_can_carry_the_roles(client, entra, settings):
    coe_group = str(uuid.uuid4())
    settings.ENTRA_ROLE_CLAIM = "groups"
    settings.ENTRA_ROLE_MAP = {coe_group: "coe"}
    sub, oid = new_user(entra, groups=[str(uuid.uuid4()), coe_group], roles=["DXPortal.Admin"])
    sign_in(client, entra, sub)
    assert roles_of(User.objects.get(socialaccount__uid=oid)) == {"staff", "coe"}


def test_groups_overage_asks_graph(client, entra, settings, graph_on):
    coe_group, manager_group = str(uuid.uuid4()), str(uuid.uuid4())
    settings.ENTRA_ROLE_CLAIM = "groups"
    settings.ENTRA_ROLE_MAP = {coe_group: "coe", manager_group: "manager"}
    sub, oid = new_user(
        entra,
        _claim_names={"groups": "src1"},
        _claim_sources={"src1": {"endpoint": "https://graph.microsoft.com/v1.0/users/x/getMemberObjects"}},
    )
    graph_on.users[oid] = {"department": None, "jobTitle": None, "mail": None}
    graph_on.member_groups[oid] = {manager_group, str(uuid.uuid4())}
    sign_in(client, entra, sub)
    assert roles_of(User.objects.get(socialaccount__uid=oid)) == {"staff", "manager"}
    assert graph_on.calls_to("POST", f"/v1.0/users/{oid}/checkMemberGroups") == 1


def test_department_and_job_title_from_graph_when_the_token_lacks_them(client, entra, graph_on, department_factory):
    welfare = department_factory(code="410", name_ja="福祉総務課", name_en="Welfare Administration Section")
    sub, oid = new_user(entra, email=None)
    graph_on.users[oid] = {"department": "福祉総務課", "jobTitle": "係長", "mail": "kakaricho@city.example.jp"}
    sign_in(client, entra, sub)
    user = User.objects.get(socialaccount__uid=oid)
    assert (user.department, user.job_title, user.email) == (welfare, "係長", "kakaricho@city.example.jp")
    assert len(graph_on.token_requests) == 1


def test_token_claims_win_over_graph_and_graph_is_not_asked(client, entra, graph_on):
    sub, oid = new_user(entra, department="市民課", jobTitle="主任")
    sign_in(client, entra, sub)
    assert User.objects.get(socialaccount__uid=oid).job_title == "主任"
    assert graph_on.calls == []


def test_graph_down_does_not_block_sign_in(client, entra, graph_on):
    sub, oid = new_user(entra, email=None)
    graph_on.script("GET", f"/v1.0/users/{oid}", (503, {}))
    assert sign_in(client, entra, sub).status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(socialaccount__uid=oid).pk)


# --- deny when unmapped ---------------------------------------------------------------------


def test_unmapped_user_gets_a_clear_403_when_the_deployment_says_deny(client, entra, settings):
    settings.ENTRA_UNMAPPED = "deny"
    sub, _ = new_user(entra, roles=["SomeOtherApp.Role"])
    response = sign_in(client, entra, sub)
    assert response.status_code == 403
    assert "has not been given a role" in response.content.decode()
    assert_no_session(client)
    assert_failure_logged("no_role")


def test_deny_takes_away_the_roles_of_a_known_user_who_lost_them(client, entra, settings):
    settings.ENTRA_UNMAPPED = "deny"
    sub, oid = new_user(entra, roles=["DXPortal.COE"])
    sign_in(client, entra, sub)
    user = User.objects.get(socialaccount__uid=oid)
    client.logout()

    entra.user_set(sub, entra_claims(oid, roles=[]))
    assert sign_in(client, entra, sub).status_code == 403
    assert_no_session(client)
    assert roles_of(user) == {"staff"}


# --- failures: each a clear page, and no session ---------------------------------------


def test_wrong_tenant(client, entra):
    sub, oid = new_user(entra, tid=OTHER_TENANT)
    response = sign_in(client, entra, sub)
    assert response.status_code == 403
    assert "does not belong to the city" in response.content.decode()
    assert_no_session(client)
    assert not User.objects.filter(socialaccount__uid=oid).exists()
    assert_failure_logged("wrong_tenant")


def test_issuer_mismatch(client, entra, settings):
    # Discovery at 127.0.0.1 names itself as issuer there; the token endpoint answers
    # as "localhost" (the mock takes its issuer from the Host header), so the ID token's
    # `iss` is not the discovery issuer, as with a token from anybody else.
    mismatched = f"http://127.0.0.1:{entra.port}"
    settings.SOCIALACCOUNT_PROVIDERS = providers_with_entra(
        settings,
        mismatched,
        openid_configuration_overrides={"token_endpoint": f"{entra.base_url}/oauth2/token"},
    )
    sub, oid = new_user(entra)
    response = sign_in(client, entra, sub)
    assert response.status_code == 401
    assert "could not be verified" in response.content.decode()
    assert_no_session(client)
    assert not User.objects.filter(socialaccount__uid=oid).exists()
    assert_failure_logged("rejected", "InvalidIssuerError")


def test_forged_state(client, entra):
    sub, _ = new_user(entra)
    start = sign_in_start(client)
    callback = entra.authorize(start["Location"], sub)
    response = client.get(with_query(callback, state="forged-" + uuid.uuid4().hex))
    assert response.status_code == 401
    assert "sign-in request has expired" in response.content.decode()
    assert_no_session(client)
    assert_failure_logged("expired")


def test_callback_from_someone_elses_sign_in(client, entra, django_user_model):
    # Login CSRF: an attacker's authorization response delivered to the victim's browser.
    from django.test import Client

    attacker = Client()
    sub, _ = new_user(entra)
    callback = entra.authorize(sign_in_start(attacker)["Location"], sub)
    response = client.get(callback)
    assert response.status_code == 401
    assert_no_session(client)
    assert django_user_model.objects.filter(socialaccount__isnull=False).count() == 0


def test_reused_code(client, entra):
    from django.test import Client

    sub, _ = new_user(entra)
    start = sign_in_start(client)
    callback = entra.authorize(start["Location"], sub)
    assert client.get(callback).status_code == 302  # the real user signs in

    # The same callback URL replayed elsewhere: its state is spent.
    eavesdropper = Client(headers={"accept-language": "en"})
    replay = eavesdropper.get(callback)
    assert replay.status_code == 401
    assert_no_session(eavesdropper)

    # The stolen code with a fresh state of the eavesdropper's own: the provider refuses the code.
    fresh = urlsplit(sign_in_start(eavesdropper)["Location"])
    fresh_state = parse_qs(fresh.query)["state"][0]
    response = eavesdropper.get(with_query(callback, state=fresh_state))
    assert response.status_code == 401
    assert "could not be verified" in response.content.decode()
    assert_no_session(eavesdropper)
    assert_failure_logged("rejected", "invalid_grant")


def test_user_declines_at_the_provider(client, entra):
    start = sign_in_start(client)
    # The mock answers a denial without the state parameter.
    response = client.get(entra.deny(start["Location"]))
    assert response.status_code == 401
    assert "declined at Microsoft" in response.content.decode()
    assert_no_session(client)
    assert_failure_logged("declined")


def test_user_declines_at_entra_which_returns_the_state(client, entra):
    # Entra answers a cancelled consent with error=access_denied *and* the state.
    start = sign_in_start(client)
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    query = urlencode({"error": "access_denied", "error_description": "AADSTS65004", "state": state})
    response = client.get(f"{CALLBACK_PATH}?{query}", follow=True)
    assert response.redirect_chain[-1][0] == reverse("socialaccount_login_cancelled")
    assert response.status_code == 200
    assert "cancelled at Microsoft" in response.content.decode()
    assert_no_session(client)


def test_provider_down_when_sign_in_starts(client, entra, settings, closed_port):
    settings.SOCIALACCOUNT_PROVIDERS = providers_with_entra(settings, f"http://localhost:{closed_port}")
    response = sign_in_start(client)
    assert response.status_code == 503
    assert "cannot be reached" in response.content.decode()
    assert_no_session(client)
    assert_failure_logged("unreachable", "Connection refused")


def test_provider_times_out_when_sign_in_starts(client, entra, settings, silent_port):
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 0.5
    settings.SOCIALACCOUNT_PROVIDERS = providers_with_entra(settings, f"http://localhost:{silent_port}")
    response = sign_in_start(client)
    assert response.status_code == 503
    assert "cannot be reached" in response.content.decode()
    assert_no_session(client)
    assert_failure_logged("unreachable", "ReadTimeout")


def test_token_endpoint_times_out_at_the_callback(client, entra, settings, silent_port):
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 0.5
    settings.SOCIALACCOUNT_PROVIDERS = providers_with_entra(
        settings,
        entra.base_url,
        openid_configuration_overrides={"token_endpoint": f"http://localhost:{silent_port}/oauth2/token"},
    )
    sub, oid = new_user(entra)
    response = sign_in(client, entra, sub)
    assert response.status_code == 503
    assert "cannot be reached" in response.content.decode()
    assert_no_session(client)
    assert not User.objects.filter(socialaccount__uid=oid).exists()


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_token_endpoint_outage_is_cannot_be_reached_not_could_not_be_verified(
    client, entra, settings, failing_token_endpoint, status
):
    """Microsoft answering 5xx is an outage: "try again", 503, audited as unreachable; not
    "could not be verified" (401), which sends people to look for a fault in their account."""
    failing_token_endpoint.script("POST", "/oauth2/token", (status, {}))
    settings.SOCIALACCOUNT_PROVIDERS = providers_with_entra(
        settings,
        entra.base_url,
        openid_configuration_overrides={"token_endpoint": f"{failing_token_endpoint.base_url}/oauth2/token"},
    )
    sub, oid = new_user(entra)
    response = sign_in(client, entra, sub)
    html = response.content.decode()
    assert response.status_code == 503
    assert "Microsoft sign-in cannot be reached" in html and "try again" in html
    assert "could not be verified" not in html
    assert_no_session(client)
    assert not User.objects.filter(socialaccount__uid=oid).exists()
    assert_failure_logged("unreachable", str(status))
    assert failing_token_endpoint.calls_to("POST", "/oauth2/token") == 1


def test_token_endpoint_outage_page_is_in_japanese(client, entra, settings, failing_token_endpoint):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    failing_token_endpoint.script("POST", "/oauth2/token", (503, {}))
    settings.SOCIALACCOUNT_PROVIDERS = providers_with_entra(
        settings,
        entra.base_url,
        openid_configuration_overrides={"token_endpoint": f"{failing_token_endpoint.base_url}/oauth2/token"},
    )
    sub, _ = new_user(entra)
    response = sign_in(client, entra, sub)
    assert response.status_code == 503
    assert "Microsoft のサインインに接続できません" in response.content.decode()


def test_a_refused_code_is_still_could_not_be_verified(client, entra, settings, failing_token_endpoint):
    # 4xx is the provider's answer about this sign-in, not an outage.
    failing_token_endpoint.script("POST", "/oauth2/token", (400, {}))
    settings.SOCIALACCOUNT_PROVIDERS = providers_with_entra(
        settings,
        entra.base_url,
        openid_configuration_overrides={"token_endpoint": f"{failing_token_endpoint.base_url}/oauth2/token"},
    )
    sub, _ = new_user(entra)
    response = sign_in(client, entra, sub)
    assert response.status_code == 401
    assert "could not be verified" in response.content.decode()
    assert_failure_logged("rejected")


def test_discovery_outage_when_sign_in_starts_is_cannot_be_reached(client, entra, settings, failing_token_endpoint):
    failing_token_endpoint.script("GET", "/.well-known/openid-configuration", (502, {}))
    settings.SOCIALACCOUNT_PROVIDERS = providers_with_entra(settings, failing_token_endpoint.base_url)
    response = sign_in_start(client)
    assert response.status_code == 503
    assert "cannot be reached" in response.content.decode()
    assert_failure_logged("unreachable", "502")


# --- what the browser is told ----------------------------------------------------------------


def form_action_sources(response) -> list[str]:
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip())
    return policy["form-action"].split()


def test_forms_post_only_to_the_portal_and_the_sign_in_still_reaches_entra(client, entra):
    """CSP form-action 'self'. The Microsoft button posts to the portal, which redirects to
    the provider; browsers hold that redirect to form-action too, so the provider's origin
    (and nothing else) is allowed besides the portal."""
    page = client.get(reverse("account_login"))
    sources = form_action_sources(page)
    assert sources[0] == "'self'"
    assert f'action="{reverse("openid_connect_login", args=["entra"])}"' in page.content.decode()  # 'self'
    start = sign_in_start(client)
    authorize = urlsplit(start["Location"])
    assert sources[1:] == [f"{authorize.scheme}://{authorize.netloc}"]
    # ... and the flow completes.
    sub, _ = new_user(entra)
    assert client.get(entra.authorize(start["Location"], sub)).status_code == 302


def test_signed_in_pages_are_not_stored_by_the_browser(client, entra):
    sub, _ = new_user(entra)
    sign_in(client, entra, sub)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "form-action 'self'" in response["Content-Security-Policy"]


# --- sign-out ---------------------------------------------------------------------------------


def test_sign_out_ends_the_session_and_offers_entra_sign_out(client, entra):
    sub, _ = new_user(entra)
    sign_in(client, entra, sub)
    response = client.post(reverse("account_logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:signed_out")
    assert_no_session(client)
    html = response.content.decode()
    expected = (
        entra.base_url
        + "/oauth2/end_session?"
        + urlencode({"post_logout_redirect_uri": "http://testserver" + reverse("account_login")})
    )
    assert f'href="{expected.replace("&", "&amp;")}"' in html
    # Back at the portal, everything asks for a sign-in again.
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_social_account_is_keyed_by_oid_not_sub(client, entra):
    sub, oid = new_user(entra)
    sign_in(client, entra, sub)
    account = SocialAccount.objects.get(provider="entra")
    assert account.uid == oid
    assert account.extra_data["id_token"]["tid"] == TENANT
