from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Strict CSP: no inline script or style anywhere in the portal's own pages."""

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
            response.headers.setdefault("Content-Security-Policy", self.header)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
