"""Report selectors for the search log (read by apps.reports only).

The log (SearchQuery) holds normalised words, the number of hits and the searcher's
department, never who searched. Every function takes a period as inclusive dates in
Japan time and an optional list of department ids (None = every department), and
returns plain dicts from one aggregate query each. Searches that found nothing are the
list of articles to write next.
"""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from apps.search.models import SearchQuery


def _queries(start: date, end: date, department_ids: Sequence[int] | None):
    zone = timezone.get_default_timezone()
    lo = datetime.combine(start, time(0), tzinfo=zone)
    hi = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
    queries = SearchQuery.objects.filter(created_at__gte=lo, created_at__lt=hi).exclude(query="")
    if department_ids is not None:
        queries = queries.filter(department_id__in=department_ids)
    return queries


def search_totals(*, start: date, end: date, department_ids: Sequence[int] | None = None) -> dict:
    """{searches, without_results}"""
    return _queries(start, end, department_ids).aggregate(
        searches=Count("*"), without_results=Count("result_count", filter=Q(result_count=0))
    )


def top_searches(*, start: date, end: date, department_ids: Sequence[int] | None = None, limit: int = 20) -> list[dict]:
    """[{query, searches}]: the most frequent searches."""
    return list(
        _queries(start, end, department_ids)
        .values("query")
        .annotate(searches=Count("*"))
        .order_by("-searches", "query")[:limit]
    )


def searches_without_results(
    *, start: date, end: date, department_ids: Sequence[int] | None = None, limit: int = 20
) -> list[dict]:
    """[{query, searches, last_searched}]: the most frequent searches that found nothing."""
    return list(
        _queries(start, end, department_ids)
        .filter(result_count=0)
        .values("query")
        .annotate(searches=Count("*"), last_searched=Max("created_at"))
        .order_by("-searches", "query")[:limit]
    )
