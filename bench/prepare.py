"""Sign the benchmark user in, find each page's URL and count its SQL queries.

Run by bench/run.sh with the same environment as the gunicorn it measures:
`python -m bench.prepare OUT.json`. Writes the session cookie, the resolved pages (with
their status and query count, taken from a second, warm request through Django's test
Client) and the data set's sizes, for run.sh and bench/report.py. With BENCH_PAGES set (a
regular expression), only the pages whose name it matches are kept, and the ceiling rows.
"""

import json
import os
import re
import sys
import time

import django


def main(out_path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from apps.accounts.models import User
    from apps.accounts.roles import Role
    from apps.devdata.management.commands.seed_bench import bench_modules
    from bench.pages import PAGES

    username = os.environ.get("BENCH_USER", "")
    users = User.objects.filter(is_active=True).order_by("pk")
    # Default: the first COE member, who sees every panel and link of the pages measured.
    user = users.get(username=username) if username else users.filter(groups__name=Role.COE).first()
    if user is None:
        sys.exit("bench: no user to sign in as; is the benchmark data seeded?")

    # A failing page is reported with its status (and logged), not allowed to stop the run.
    signed_in = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
    signed_in.force_login(user, backend="apps.accounts.backends.PasswordBackend")
    cookie = f"{settings.SESSION_COOKIE_NAME}={signed_in.cookies[settings.SESSION_COOKIE_NAME].value}"
    anonymous = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
    by_role: dict[str, tuple[Client, str, str]] = {}

    def client_for(role: str) -> tuple[Client, str, str]:
        """A client signed in as the first active user with `role`, its cookie and username."""
        if role not in by_role:
            person = users.filter(groups__name=role).first()
            if person is None:
                sys.exit(f"bench: no active user with the role {role!r}")
            client = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
            client.force_login(person, backend="apps.accounts.backends.PasswordBackend")
            value = client.cookies[settings.SESSION_COOKIE_NAME].value
            by_role[role] = (client, f"{settings.SESSION_COOKIE_NAME}={value}", person.username)
        return by_role[role]

    only = os.environ.get("BENCH_PAGES", "")
    pages = []
    for page in PAGES:
        if only and not page.ceiling and not re.search(only, page.name):
            continue
        path = page.path() if callable(page.path) else page.path
        client = signed_in if page.signed_in else anonymous
        page_cookie, page_user = cookie, user.username
        if page.role:
            client, page_cookie, page_user = client_for(page.role)
        client.get(path)  # warm: first-request caches (translations, templates, Redis) as under load
        build_ms = _build_queued_reports()  # what the worker does for a report view nobody opened yet
        if build_ms is not None:
            client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        pages.append(
            {
                "name": page.name,
                "path": path,
                "signed_in": page.signed_in,
                "cookie": page_cookie if page.signed_in else "",
                "user": page_user if page.signed_in else "",
                "ceiling": page.ceiling,
                "status": response.status_code,
                "queries": len(queries),
                "bytes": len(response.content),
                "cold_build_ms": build_ms,
            }
        )

    sizes: dict[str, int] = {}
    for module in bench_modules():
        if hasattr(module, "counts"):
            sizes.update(module.counts())
    result = {
        "user": {"username": user.username, "roles": sorted(user.roles)},
        "cookie": cookie,
        "pages": pages,
        "only": only,
        "sizes": sizes,
        "database": f"{connection.display_name} {'.'.join(map(str, connection.get_database_version()))}",
        "django": django.get_version(),
    }
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False, indent=2)


def _build_queued_reports() -> float | None:
    """Compute every queued report view (as the worker would) and return the slowest build in
    milliseconds, or None when nothing was queued."""
    from apps.reports import services
    from apps.reports.models import ReportSnapshot

    slowest = None
    for pk in ReportSnapshot.objects.filter(status=ReportSnapshot.Status.QUEUED).values_list("pk", flat=True):
        started = time.perf_counter()
        services.snapshot_build(snapshot_id=pk)
        elapsed = (time.perf_counter() - started) * 1000
        slowest = elapsed if slowest is None else max(slowest, elapsed)
    return slowest


if __name__ == "__main__":
    main(sys.argv[1])
