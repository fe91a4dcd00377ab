"""The pages `make bench` measures, in table order. Later issues append their pages here.

`path` is a URL, or a function (run inside Django, after seeding) that finds one, for
pages that need an object's id. `signed_in` pages get the benchmark user's session
cookie, or with `role` that of the first active user with that role; the first `ceiling`
page is the 1.0 of the ratio column.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    name: str
    path: str | Callable[[], str]
    signed_in: bool = True
    ceiling: bool = False
    role: str = ""


def _url(name: str, *args: object) -> Callable[[], str]:
    def resolve() -> str:
        from django.urls import reverse

        return reverse(name, args=[arg() if callable(arg) else arg for arg in args])

    return resolve


def _latest_announcement_id() -> int:
    from apps.notifications.models import Announcement

    return Announcement.objects.latest("created_at", "id").pk


def _published_article_id():
    from apps.knowledge.models import Article

    return Article.objects.filter(status="published").order_by("-updated_at", "-id").values_list("pk", flat=True)[0]


def _published_case_id() -> int:
    from apps.cases.models import Case

    return Case.objects.filter(visibility="published").order_by("-id").values_list("pk", flat=True)[0]


def _bench_challenge_id() -> int:
    from apps.ideas.models import Challenge

    return Challenge.objects.latest("submission_start", "id").pk


def _most_liked_idea_id() -> int:
    from apps.ideas.models import Idea

    return Idea.objects.filter(status="approved").order_by("-vote_count", "pk").values_list("pk", flat=True)[0]


def _sample_request_id() -> int:
    from apps.devdata.bench.support import sample_request_id

    return sample_request_id()


PAGES = [
    # Django and gunicorn with nothing to do: this machine's ceiling.
    Page("trivial view (ceiling)", "/bench/trivial", signed_in=False, ceiling=True),
    # The same view with a session: what loading the session and the user costs every page.
    Page("trivial view, signed in", "/bench/trivial"),
    Page("health check", _url("healthz"), signed_in=False),
    Page("home", _url("core:home")),
    Page("notifications", _url("notifications:list")),
    Page("announcements", _url("notifications:announcements")),
    Page("announcement (latest)", _url("notifications:announcement_detail", _latest_announcement_id)),
    Page("search, no query (newest first)", "/search/"),
    Page("search, 2 characters, common", "/search/?q=%E7%94%B3%E8%AB%8B"),  # 申請
    Page("search, 1 character", "/search/?q=%E5%B8%82"),  # 市
    Page("search, 5 characters", "/search/?q=%E9%9B%BB%E5%AD%90%E7%94%B3%E8%AB%8B%E3%81%AE"),  # 電子申請の
    Page("search, 1 character, rare", "/search/?q=%E7%AD%91"),  # 筑
    Page("search, 3 characters, rare", "/search/?q=%E7%B4%84%E8%AA%B2%E3%81%AE"),  # 約課の
    Page("search, 3 characters, common phrase", "/search/?q=%E3%81%8F%E3%81%A0%E3%81%95"),  # くださ
    Page("search, 2 words", "/search/?q=%E5%B8%82%20%E7%94%B3%E8%AB%8B"),  # 市 申請
    Page("knowledge list", _url("knowledge:list")),
    Page("article", _url("knowledge:detail", _published_article_id)),
    Page("case list (facets)", _url("cases:list")),
    Page("case", _url("cases:detail", _published_case_id)),
    Page("hours saved", _url("cases:totals")),
    Page("idea challenge", _url("ideas:challenge_detail", _bench_challenge_id)),
    Page("idea list", _url("ideas:idea_list", _bench_challenge_id)),
    Page("idea (most liked)", _url("ideas:idea_detail", _most_liked_idea_id)),
    Page("support queue", _url("support:queue")),
    Page("my requests", _url("support:my_requests")),
    Page("support request", _url("support:detail", _sample_request_id)),
    # The figures are computed by a task (apps.reports.services); bench/prepare.py computes them
    # first and times that cold build ("cold build ms" under the table).
    Page("reports", "/reports/"),
    # What a department head or the COE lead opens: all four sections.
    Page("reports, all sections (administrator)", "/reports/", role="admin"),
]
