import ipaddress
import time

import requests
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseForbidden
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from apps.core.params import next_url


class LoopbackOnlyMiddleware:
    """The benchmark's exception to "no local sign-in in production" (portal/settings.py
    adds this first in the chain only then): a server on which anyone can pick an account
    answers only this machine. The Host header proves nothing (DJANGO_ALLOWED_HOSTS is
    checked against what the client sends), so the peer address must be loopback, and a
    request passed on by a proxy (which may sit on this machine) is refused too."""

    FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _loopback(request.META.get("REMOTE_ADDR", "")) or any(h in request.META for h in self.FORWARDED):
            return HttpResponseForbidden(_("This benchmark server answers only requests from its own machine."))
        return self.get_response(request)


def _loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


# --- sign-in policy ------------------------------------------------------------------
# These three sit after AuthenticationMiddleware and allauth's AccountMiddleware.

# The admin's own password pages: an administrator signs in with Entra ID, and with
# password sign-in gone a password set here would open nothing.
_CLOSED_ADMIN_VIEWS = {"admin:password_change", "admin:password_change_done", "admin:auth_user_password_change"}
# allauth pages that stay when local sign-in is off: the sign-in page (GET only, it then
# shows just the Microsoft button), sign-out, and the pieces of the Entra flow.
_SSO_ACCOUNT_VIEWS = {
    "account_login",
    "account_logout",
    "account_inactive",
    "socialaccount_login_cancelled",
    "socialaccount_login_error",
    "socialaccount_signup",
}
_OIDC_VIEWS = {"openid_connect_login", "openid_connect_callback"}


class LocalLoginLockdownMiddleware:
    """With PORTAL_LOCAL_LOGIN off, password sign-in, sign-up, reset and change do not exist.

    Checked per request (allauth's own SOCIALACCOUNT_ONLY shapes its URLconf at import),
    default-deny: every allauth `account_*`/`socialaccount_*` page not listed above is a
    404, so a page a future allauth adds is closed too. Django admin's own password form
    is never used: its login page sends people to the portal's sign-in page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        name = request.resolver_match.view_name if request.resolver_match else ""
        if name == "admin:login":
            return self._admin_login(request)
        if settings.PORTAL_LOCAL_LOGIN:
            return None
        if name == "account_login" and request.method not in ("GET", "HEAD"):
            raise Http404
        if name in _CLOSED_ADMIN_VIEWS:
            raise Http404
        if name.startswith(("account_", "socialaccount_")) and name not in _SSO_ACCOUNT_VIEWS:
            raise Http404
        return None

    @staticmethod
    def _admin_login(request):
        if request.user.is_authenticated:
            if request.user.is_staff:
                return None  # the admin sends a signed-in administrator on by itself
            # Signed in without the Admin role: the admin would offer its password form.
            raise PermissionDenied
        return redirect_to_login(next_url(request, reverse("admin:index")))


class SignInRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a signed-in user, in every environment (zero trust, and a view
    that forgot its check is caught in development as it would be in production).

    Open: views marked `login_not_required` (allauth's sign-in pages and the OIDC
    callback, the signed-out page), the health probe, the language switch and the
    demo picker (itself a 404 unless local sign-in is on); static files never get here
    (WhiteNoise answers first). With local sign-in off the session must also come
    from an Entra ID sign-in: any other session (say, from before the switch) is ended.

    Idle timeout: the session's expiry (SESSION_COOKIE_AGE = PORTAL_SESSION_IDLE_SECONDS)
    is pushed forward by re-saving the session at most once a minute while it is used,
    instead of SESSION_SAVE_EVERY_REQUEST's database write on every request.
    """

    PUBLIC_VIEWS = frozenset({"healthz", "accounts:language", "accounts:demo_sign_in"})
    SEEN_KEY = "_portal_seen_at"

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.user.is_authenticated and not settings.PORTAL_LOCAL_LOGIN and not _entra_session(request):
            logout(request)
        if request.user.is_authenticated:
            self._keep_alive(request)
        match = request.resolver_match
        if match is not None and match.view_name in self.PUBLIC_VIEWS:
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def _keep_alive(self, request) -> None:
        now = int(time.time())
        every = min(60, max(1, settings.SESSION_COOKIE_AGE // 2))
        if now - int(request.session.get(self.SEEN_KEY, 0)) >= every:
            request.session[self.SEEN_KEY] = now


def _entra_session(request) -> bool:
    from allauth.account.authentication import get_authentication_records

    from apps.accounts.sso import ENTRA_PROVIDER_ID

    return any(
        record.get("method") == "socialaccount" and record.get("provider") == ENTRA_PROVIDER_ID
        for record in get_authentication_records(request, request.user)
    )


class SignInErrorMiddleware:
    """Microsoft unreachable when the sign-in starts (allauth fetches the discovery
    document outside its own error handling there): show the sign-in error page with
    a 503 instead of a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        match = request.resolver_match
        if not isinstance(exception, requests.RequestException) or match is None or match.url_name not in _OIDC_VIEWS:
            return None
        from allauth.socialaccount.adapter import get_adapter
        from allauth.socialaccount.helpers import render_authentication_error

        provider = get_adapter(request).get_provider(request, match.kwargs.get("provider_id"))
        return render_authentication_error(request, provider, exception=exception)
