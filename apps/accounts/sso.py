"""Microsoft Entra ID sign-in through django-allauth's `openid_connect` provider.

allauth runs the authorization-code flow (PKCE, state, the token request, the
`iss`/`aud`/`exp` checks of the ID token). This module adds what is particular to
a single-tenant Entra ID deployment:

- the token must come from our tenant (`tid`), and the user is the `oid`;
- portal roles come from the `roles` claim (app roles) or the `groups` claim and
  are re-applied at every sign-in through `user_roles_set`, so a role removed in
  Entra ID is removed here;
- name, e-mail, department and job title are copied through `user_profile_update`,
  from the ID token when it carries them, else from Microsoft Graph;
- every failure is logged and audited, and shown as one clear page.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import requests
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base import AuthError
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import render

from apps.accounts import graph
from apps.accounts.models import Department, User
from apps.accounts.roles import Role
from apps.accounts.services import user_profile_update, user_roles_set
from apps.core.services import audit_log

logger = logging.getLogger(__name__)

ENTRA_PROVIDER_ID = "entra"
ROLE_SOURCE = "entra"


class EntraSignInRefused(PermissionDenied):
    """The provider said yes, but the portal says no (wrong tenant, no role).

    A PermissionDenied, so allauth's callback view turns it into its error flow
    (and `on_authentication_error`) before anybody is signed in.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


# --- claims ------------------------------------------------------------------


def id_token_claims(sociallogin: SocialLogin) -> dict[str, Any]:
    # fetch_userinfo is off, so the ID token is all allauth received.
    return dict(sociallogin.account.extra_data.get("id_token") or {})


def tenant_check(claims: dict[str, Any]) -> None:
    tenant = str(claims.get("tid") or "")
    if tenant.lower() != settings.ENTRA_TENANT_ID.lower():
        raise EntraSignInRefused("wrong_tenant", f"tid={tenant!r}")
    if not claims.get("oid"):
        raise EntraSignInRefused("no_oid")


def roles_from_claims(claims: dict[str, Any]) -> set[str]:
    """Portal role names mapped from the configured claim; unknown values are ignored.

    With ENTRA_ROLE_CLAIM="groups" a user in more groups than fit in a token gets
    no `groups` claim but a `_claim_names` pointer instead ("groups overage"); the
    portal then asks Graph which of the mapped groups the user belongs to.
    """
    claim = settings.ENTRA_ROLE_CLAIM
    role_map: dict[str, str] = settings.ENTRA_ROLE_MAP
    values = claims.get(claim)
    if values is None and claim == "groups" and "groups" in (claims.get("_claim_names") or {}):
        values = _groups_overage(str(claims.get("oid") or ""), list(role_map))
    if isinstance(values, str):
        values = [values]
    return {role_map[value] for value in values or [] if value in role_map}


def _groups_overage(oid: str, group_ids: list[str]) -> list[str]:
    if not graph.graph_enabled():
        logger.warning("Entra sent a groups overage for %s but Graph is off: no group roles applied", oid)
        return []
    try:
        return sorted(graph.user_member_groups_check(oid=oid, group_ids=group_ids, max_attempts=1))
    except graph.GraphError:
        logger.warning("Graph group check failed for %s: no group roles applied", oid, exc_info=True)
        return []


def _department_match(name: str) -> Department | None:
    name = name.strip()
    if not name:
        return None
    return Department.objects.filter(Q(name_ja=name) | Q(name_en=name) | Q(code=name), is_active=True).first()


def _profile_from_graph(oid: str, wanted: set[str]) -> dict[str, Any]:
    if not wanted or not graph.graph_enabled():
        return {}
    try:
        # One attempt: a slow Graph must not hold up the sign-in; the next sign-in tries again.
        return graph.user_profile_get(oid=oid, max_attempts=1)
    except graph.GraphError:
        logger.warning("Graph profile read failed for %s; keeping the stored department/job title", oid, exc_info=True)
        return {}


def entra_user_sync(*, user: User, claims: dict[str, Any], roles: set[str]) -> None:
    """Make the portal user match Entra ID: roles first, then the profile fields."""
    user_roles_set(user=user, roles=[Role(r) for r in roles], source=ROLE_SOURCE)
    department_name = claims.get("department")
    job_title = claims.get("jobTitle")
    email = claims.get("email")
    missing = {
        field
        for field, value in (("department", department_name), ("jobTitle", job_title), ("mail", email))
        if value is None
    }
    from_graph = _profile_from_graph(str(claims["oid"]), missing)
    department_name = department_name if department_name is not None else from_graph.get("department")
    job_title = job_title if job_title is not None else from_graph.get("jobTitle")
    email = email if email is not None else from_graph.get("mail")
    department = _department_match(department_name) if department_name else None
    if department_name and department is None:
        logger.info("Entra department %r matches no portal department; left unchanged for %s", department_name, user)
    user_profile_update(
        user=user,
        display_name=claims.get("name") or None,
        department=department,
        job_title=job_title,
        email=email or None,
    )


# --- the adapter ---------------------------------------------------------------

_FAILURES: dict[str, tuple[int, str]] = {
    # reason: (status, template key). Messages live in the template, translated.
    "wrong_tenant": (HTTPStatus.FORBIDDEN, "wrong_tenant"),
    "no_oid": (HTTPStatus.UNAUTHORIZED, "rejected"),
    "no_role": (HTTPStatus.FORBIDDEN, "no_role"),
    "declined": (HTTPStatus.UNAUTHORIZED, "declined"),
    "unreachable": (HTTPStatus.SERVICE_UNAVAILABLE, "unreachable"),
    "expired": (HTTPStatus.UNAUTHORIZED, "expired"),
    "rejected": (HTTPStatus.UNAUTHORIZED, "rejected"),
}


def failure_reason(request: HttpRequest, error: str | None, exception: BaseException | None) -> str:
    if isinstance(exception, EntraSignInRefused):
        return exception.reason
    if isinstance(exception, requests.RequestException):
        return "unreachable"
    if isinstance(exception, OAuth2Error | PermissionDenied):
        # A token endpoint that refused the code (reused, expired) or an ID token
        # whose issuer/audience/expiry did not check out.
        return "rejected"
    if request.GET.get("error") == "access_denied" or error == AuthError.CANCELLED:
        return "declined"
    if exception is None and request.GET.get("code"):
        # A callback whose state this browser never issued: forged, replayed, or too old.
        return "expired"
    return "rejected"


def sign_in_error_response(request: HttpRequest, reason: str):
    status, key = _FAILURES.get(reason, _FAILURES["rejected"])
    return render(request, "socialaccount/authentication_error.html", {"failure": key}, status=status)


def _provider_error_raise(response: requests.Response, *args, **kwargs) -> None:
    """A 5xx from Entra ID (discovery, token endpoint) is Microsoft being unavailable, not
    a refusal of this sign-in: raised as a requests error, it is "cannot be reached, try
    again" (503), like a timeout. allauth itself reads any non-200 token answer as a
    refused code ("could not be verified", 401), which sends people to look for a fault
    in their account."""
    if response.status_code >= 500:
        response.raise_for_status()


class EntraSocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_requests_session(self):
        session = super().get_requests_session()
        session.hooks["response"].append(_provider_error_raise)
        return session

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # Local sign-up is closed (AccountAdapter); an Entra user gets an account on first sign-in.
        return sociallogin.account.provider == ENTRA_PROVIDER_ID

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if sociallogin.account.provider != ENTRA_PROVIDER_ID:
            return
        claims = id_token_claims(sociallogin)
        tenant_check(claims)
        roles = roles_from_claims(claims)
        if not roles and settings.ENTRA_UNMAPPED == "deny":
            if sociallogin.is_existing:
                # Whatever they had here was taken away in Entra ID.
                user_roles_set(user=sociallogin.user, roles=[], source=ROLE_SOURCE)
            raise EntraSignInRefused("no_role", f"oid={claims.get('oid')}")
        sociallogin._portal_roles = roles  # type: ignore[attr-defined]
        if sociallogin.is_existing:
            entra_user_sync(user=sociallogin.user, claims=claims, roles=roles)

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        if sociallogin.account.provider == ENTRA_PROVIDER_ID:
            claims = id_token_claims(sociallogin)
            roles = getattr(sociallogin, "_portal_roles", None)
            entra_user_sync(user=user, claims=claims, roles=roles if roles is not None else roles_from_claims(claims))
        return user

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider,
        error=None,
        exception=None,
        extra_context=None,
    ) -> None:
        reason = failure_reason(request, error, exception)
        provider_id = getattr(provider, "sub_id", None) or getattr(provider, "id", "")
        cause = getattr(exception, "__cause__", None)
        logger.warning(
            "sign-in with %s failed: reason=%s error=%s exception=%r cause=%r",
            provider_id,
            reason,
            error,
            exception,
            cause,
        )
        audit_log(
            action="signin.failed",
            data={
                "provider": provider_id,
                "reason": reason,
                "error": str(error or ""),
                "detail": f"{exception!r} {cause!r}"[:500],
            },
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )
        if error == AuthError.CANCELLED:
            return  # allauth shows its "sign-in cancelled" page
        raise ImmediateHttpResponse(sign_in_error_response(request, reason))
