from django.contrib.auth.decorators import login_not_required, login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.health import broker_ok, database_ok
from apps.core.home import home_panels_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"panels": home_panels_for(request)})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_ok(), "broker": broker_ok()}
    failed = [name for name, ok in checks.items() if not ok]
    return JsonResponse(
        {"status": "ok" if not failed else "unavailable", "failed": failed},
        status=200 if not failed else 503,
    )


@login_not_required
def bench_trivial(request: HttpRequest) -> HttpResponse:
    """The benchmark's ceiling: the whole middleware stack, no template, no query of its own
    (open, so the ceiling is not a redirect). Routed only when PORTAL_BENCH=1 (portal/urls.py)."""
    return HttpResponse("ok", content_type="text/plain")
