import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.cache import add_never_cache_headers


def _sign_in_origins() -> list[str]:
    """Origins of the OpenID Connect providers' sign-in pages (Entra ID).

    The "Sign in with Microsoft" form posts to the portal, which answers with a redirect to
    the provider; browsers apply `form-action` to that redirect too (Chromium does), so the
    provider's origin must be allowed or the sign-in stops at the portal."""
    origins = set()
    for app in settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", []):
        app_settings = app.get("settings", {})
        overrides = app_settings.get("openid_configuration_overrides", {})
        for url in (app_settings.get("server_url", ""), overrides.get("authorization_endpoint", "")):
            parts = urlsplit(url)
            if parts.scheme in ("https", "http") and parts.netloc:
                origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


class ContentSecurityPolicyMiddleware:
    """Strict CSP: no inline script or style anywhere in the portal's own pages, and forms
    post only to the portal (and, through its redirect, to the Entra ID sign-in)."""

    def __init__(self, get_response):
        self.get_response = get_response
        policy = {
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": "'self'",
            "img-src": "'self' data:",
            "font-src": "'self'",
            "connect-src": "'self'",
            # Video embeds (knowledge base) add their allowlisted hosts here.
            "frame-src": " ".join(getattr(settings, "PORTAL_CSP_FRAME_SRC", [])) or "'none'",
            "object-src": "'none'",
            "base-uri": "'self'",
            "frame-ancestors": "'none'",
        }
        self.header = "; ".join(f"{k} {v}" for k, v in policy.items())

    def __call__(self, request):
        response = self.get_response(request)
        # Django's admin uses inline scripts/styles; leave its pages to its own headers.
        if not request.path.startswith("/admin/"):
            # Per request (microseconds): the providers come from settings.
            form_action = " ".join(["form-action 'self'", *_sign_in_origins()])
            response.headers.setdefault("Content-Security-Policy", f"{self.header}; {form_action}")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class PrivatePagesMiddleware:
    """Nothing a signed-in user was shown is stored by a browser or a proxy: every page and
    export answered to a signed-in user gets `Cache-Control: no-store` (Django's never-cache
    headers), so the back button or a shared machine's disk cache does not show it to the
    next person. A response that already says `private` or `no-store` keeps its own choice
    (an inline image is cached privately for an hour, apps.core.downloads). Static files
    never get here: WhiteNoise answers them earlier."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            directives = {part.split("=")[0].strip().lower() for part in response.get("Cache-Control", "").split(",")}
            if not directives & {"private", "no-store"}:
                add_never_cache_headers(response)
        return response


def client_address(request) -> str:
    """The address a request came from, behind the TLS proxy (DJANGO_BEHIND_TLS_PROXY; then
    settings.RATELIMIT_IP_META_KEY names this): the last X-Forwarded-For entry, the one that
    proxy appended (Azure's add a port: 203.0.113.9:51234). Entries before it are whatever
    the client sent. REMOTE_ADDR, the proxy itself, would put everybody's sign-in under one
    rate limit."""
    value = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
    if value.startswith("["):  # [2001:db8::1]:443
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:  # 203.0.113.9:51234
        value = value.partition(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return request.META.get("REMOTE_ADDR", "")
