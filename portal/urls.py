import os

from django.contrib import admin
from django.urls import include, path

from apps.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("search/", include("apps.search.urls")),
    path("knowledge/", include("apps.knowledge.urls")),
    path("cases/", include("apps.cases.urls")),
    path("ideas/", include("apps.ideas.urls")),
    path("support/", include("apps.support.urls")),
    path("reports/", include("apps.reports.urls")),
    path("", include("apps.core.urls")),
]

# `make bench` measures every page against this trivial view on the same server.
if os.environ.get("PORTAL_BENCH") == "1":
    from apps.core.views import bench_trivial

    urlpatterns += [path("bench/trivial", bench_trivial)]
