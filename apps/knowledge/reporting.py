"""Report selectors for the knowledge base (read by apps.reports only).

Every function takes a period as inclusive dates in Japan time (`start`, `end`) and an
optional list of department ids (None = every department, rows without one included),
and returns plain dicts from one `.values().annotate()` aggregation each.

Which department a figure belongs to:
- views and "was this helpful?" answers: the *reader's* department when they read or
  answered (how much a department's staff use the knowledge base), kept on the row as
  votes keep the voter's, so April transfers do not move past figures and the reports
  never read the users. A view is one reader on one day (ArticleView), so reloading a
  page does not count twice.
- stale articles: the *owner's* department (who has to review them). Staleness is a
  state of today, not of the period: published articles whose review-by date has passed.
"""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from apps.accounts.models import User
from apps.knowledge.models import Article, ArticleFeedback, ArticleView


def _views(start: date, end: date, department_ids: Sequence[int] | None):
    views = ArticleView.objects.filter(viewed_on__gte=start, viewed_on__lte=end).order_by()
    if department_ids is not None:
        views = views.filter(department_id__in=department_ids)
    return views


def views_by_department(*, start: date, end: date, department_ids: Sequence[int] | None = None) -> list[dict]:
    """[{department_id, views}] by the reader's department."""
    rows = (
        _views(start, end, department_ids).values("department_id").annotate(views=Count("*")).order_by("department_id")
    )
    return list(rows)


def feedback_by_department(*, start: date, end: date, department_ids: Sequence[int] | None = None) -> list[dict]:
    """[{department_id, helpful, not_helpful}] by the reader's department; an answer
    counts in the period of its latest change (a reader may change their answer)."""
    zone = timezone.get_default_timezone()
    lo = datetime.combine(start, time(0), tzinfo=zone)
    hi = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
    feedback = ArticleFeedback.objects.filter(created_at__gte=lo, created_at__lt=hi)
    if department_ids is not None:
        feedback = feedback.filter(department_id__in=department_ids)
    rows = (
        feedback.values("department_id")
        # Not named "helpful": an annotation of that name would shadow the field in its own filter.
        .annotate(yes=Count("helpful", filter=Q(helpful=True)), no=Count("helpful", filter=Q(helpful=False)))
        .order_by("department_id")
    )
    return [{"department_id": r["department_id"], "helpful": r["yes"], "not_helpful": r["no"]} for r in rows]


def stale_by_owner_department(*, today: date, department_ids: Sequence[int] | None = None) -> list[dict]:
    """[{department_id, published, stale}]: published articles and those past their
    review-by date on `today`, by the owner's department.

    Counted per owner first (from the knowledge_article_report_stale index alone), then the
    departments of those few owners are read and the counts added up by department: joining
    every article to its owner before grouping read 50,000 user rows for a handful of owners."""
    per_owner = list(
        Article.objects.filter(status=Article.Status.PUBLISHED)
        .values("owner_id")
        .annotate(published=Count("*"), stale=Count("review_by", filter=Q(review_by__lt=today)))
        .order_by()
    )
    owners = User.objects.filter(pk__in=[r["owner_id"] for r in per_owner])
    if department_ids is not None:
        owners = owners.filter(department_id__in=department_ids)
    department_of = dict(owners.values_list("pk", "department_id"))
    totals: dict[int | None, list[int]] = {}
    for r in per_owner:
        if r["owner_id"] in department_of:
            total = totals.setdefault(department_of[r["owner_id"]], [0, 0])
            total[0] += r["published"]
            total[1] += r["stale"]
    return [
        {"department_id": department_id, "published": published, "stale": stale}
        for department_id, (published, stale) in sorted(totals.items(), key=lambda item: (item[0] is None, item[0]))
    ]


def most_viewed_articles(
    *, start: date, end: date, department_ids: Sequence[int] | None = None, limit: int = 10
) -> list[dict]:
    """[{article_id, title, views}]: the articles read most in the period. Two queries:
    counting by article id alone, then the titles of the few found, is much faster on a
    large view log than grouping by the joined title."""
    rows = list(
        _views(start, end, department_ids)
        .values("article_id")
        .annotate(views=Count("*"))
        .order_by("-views", "article_id")[:limit]
    )
    titles = dict(Article.objects.filter(pk__in=[r["article_id"] for r in rows]).values_list("pk", "title"))
    return [
        {"article_id": r["article_id"], "title": titles.get(r["article_id"], ""), "views": r["views"]} for r in rows
    ]
