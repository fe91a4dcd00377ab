"""Per-person limits on the writes that reach other people: comments, support requests,
replies, uploads, and on signing in. One member of staff posting 40 comments in two
seconds sent 40 mails to the idea's author; 20 identical requests sent 160 to the COE.

Counted by django-ratelimit in the shared `state` cache (settings.RATELIMIT_USE_CACHE), per
signed-in user, or per address before sign-in. Over the limit, the post is not handled: the
answer is a 429 page that says how long to wait and keeps what was typed, in a form that
sends it again (files excepted: a browser cannot be given them back).
"""

from dataclasses import dataclass

from django.shortcuts import render
from django_ratelimit.core import get_usage


@dataclass(frozen=True)
class Limit:
    group: str
    rate: str  # django-ratelimit's "count/period"


COMMENT = Limit("comment", "5/m")
REQUEST = Limit("request", "10/h")
REPLY = Limit("reply", "10/m")
UPLOAD = Limit("upload", "30/h")
SIGN_IN = Limit("sign-in", "10/m")
DEMO_SIGN_IN = Limit("demo-sign-in", "10/m")

# The views whose posts count, by URL name; a post that carries a file counts as an upload too.
LIMITED_VIEWS: dict[str, Limit] = {
    "ideas:comment_add": COMMENT,
    "support:ask": REQUEST,
    "support:reply": REPLY,
    "cases:attachment_upload": UPLOAD,
    "account_login": SIGN_IN,
    "openid_connect_login": SIGN_IN,
    "accounts:demo_sign_in": DEMO_SIGN_IN,
}


def _usage(request, limit: Limit) -> dict | None:
    return get_usage(
        request, group=f"portal:{limit.group}", key="user_or_ip", rate=limit.rate, method="POST", increment=True
    )


class RateLimitMiddleware:
    """After authentication: the limits of LIMITED_VIEWS, and UPLOAD for any post with a file."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.resolver_match is None:
            return None
        limits = []
        if request.resolver_match.view_name in LIMITED_VIEWS:
            limits.append(LIMITED_VIEWS[request.resolver_match.view_name])
        if request.FILES and UPLOAD not in limits:
            limits.append(UPLOAD)
        for limit in limits:
            usage = _usage(request, limit)
            if usage is not None and usage["should_limit"]:
                return too_many(request, wait_seconds=max(1, usage["time_left"]))
        return None


def too_many(request, *, wait_seconds: int):
    kept = [
        (name, value)
        for name, values in request.POST.lists()
        for value in values
        if name not in ("csrfmiddlewaretoken",)
    ]
    response = render(
        request,
        "429.html",
        {
            "kept": kept,
            "shown": [(name, value) for name, value in kept if value.strip() and len(value) > 1],
            "had_files": bool(request.FILES),
            "action": request.get_full_path(),
            "wait_seconds": wait_seconds,
        },
        status=429,
    )
    response["Retry-After"] = str(wait_seconds)
    return response
