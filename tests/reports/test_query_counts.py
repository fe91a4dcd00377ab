"""The page, every fragment and every export run the same number of queries with 100 rows
of each kind of data as with 10,000: all figures are database aggregations."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.cases.models import Case
from apps.core.dates import fiscal_year
from apps.ideas.models import Idea, Vote
from apps.knowledge.models import Article, ArticleFeedback, ArticleView
from apps.reports.selectors import SECTIONS
from apps.search.models import SearchQuery
from apps.support.models import Deflection, SupportRequest
from tests.factories import UserFactory
from tests.reports.helpers import dashboard, run_report_builds

JST = ZoneInfo("Asia/Tokyo")
START = datetime(2024, 5, 1, 9, tzinfo=JST)
QUERY = "?fy=2024&compare=on"
PAGE_QUERY_LIMIT = 70


def add_rows(n: int, *, city, people: list, articles: list[Article], offset: int) -> None:
    """n more rows of every kind the report reads, all in fiscal year 2024."""
    u = len(people)
    ideas = Idea.objects.bulk_create(
        Idea(
            challenge=city.challenge,
            title=f"idea {offset + i}",
            summary="s",
            author=people[i % u],
            department_id=people[i % u].department_id,
            status="approved",
            submitted_at=START + timedelta(minutes=i),
        )
        for i in range(n)
    )
    # One vote per (voter, idea): each new idea gets votes from the first people.
    per_idea = max(1, n // len(ideas))
    Vote.objects.bulk_create(
        Vote(idea=idea, challenge=city.challenge, voter=voter, voter_department_id=voter.department_id)
        for idea in ideas
        for voter in people[:per_idea]
    )
    Vote.objects.update(created_at=START)  # auto_now_add set "now" on insert
    requests = [
        SupportRequest(
            kind="technical",
            title="t",
            description="d",
            requester=people[i % u],
            department_id=people[i % u].department_id,
            status="closed",
            created_at=START + timedelta(hours=i % 5000),
            first_responded_at=START + timedelta(hours=i % 5000 + 30),
            resolved_at=START + timedelta(hours=i % 5000 + 80),
            first_response_due_at=START + timedelta(days=300),
            resolution_due_at=START + timedelta(days=300),
            rating=1 + i % 5,
        )
        for i in range(n)
    ]
    for request in requests:
        request.office_durations_refresh()  # as save() would
    SupportRequest.objects.bulk_create(requests)
    # Unique (article, reader, day) by numbering every view of the test, first batch and second.
    a = len(articles)
    ArticleView.objects.bulk_create(
        ArticleView(
            article=articles[k % a],
            user=people[(k // a) % u],
            department_id=people[(k // a) % u].department_id,
            viewed_on=date(2024, 6, 10) + timedelta(days=k // (a * u)),
        )
        for k in range(offset, offset + n)
    )
    new_articles = Article.objects.bulk_create(
        Article(title=f"a{offset + i}", body="b", owner=people[i % u], status="published", updated_at=timezone.now())
        for i in range(max(1, n // u))
    )
    ArticleFeedback.objects.bulk_create(
        ArticleFeedback(article=article, user=person, department_id=person.department_id, helpful=j % 2 == 0)
        for article in new_articles
        for j, person in enumerate(people)
    )
    ArticleFeedback.objects.update(created_at=START)
    SearchQuery.objects.bulk_create(
        SearchQuery(query=f"q{i % 300}", result_count=i % 3, department_id=people[i % u].department_id)
        for i in range(n)
    )
    SearchQuery.objects.update(created_at=START)
    Case.objects.bulk_create(
        Case(
            title=f"case {offset + i}",
            summary="s",
            department_id=people[i % u].department_id,
            stage="live",
            started_on=date(2024, 6, 1),
            fiscal_year=fiscal_year(date(2024, 6, 1)),
            visibility="published",
            published_at=START,
            hours_saved_per_year=Decimal("10.5"),
            hours_method="measured",
        )
        for i in range(n)
    )
    Deflection.objects.bulk_create(
        Deflection(
            user=people[i % u],
            department_id=people[i % u].department_id,
            target_type="article",
            object_id=i % 50,
            title=f"t{i % 50}",
            url="/x/",
            created_at=START,
        )
        for i in range(n)
    )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def measure(client) -> dict[str, int]:
    """Queries of computing the figures for this data (the worker), then of the page and of
    every fragment and file, which read the computed figures."""
    url = reverse("reports:dashboard") + QUERY
    dashboard(client, url)  # the figures computed once; first-request caches (translations, content types)
    assert client.post(reverse("reports:refresh") + QUERY).status_code == 302
    with CaptureQueriesContext(connection) as build:
        assert run_report_builds() == 1
    counts = {"build": len(build), "page": count_queries(client, url)}
    counts["xlsx"] = count_queries(client, reverse("reports:export_xlsx") + QUERY)
    for key in SECTIONS:
        counts[f"csv-{key}"] = count_queries(client, reverse("reports:export_csv", args=[key]) + QUERY)
        counts[f"fragment-{key}"] = count_queries(client, reverse("reports:section", args=[key]) + QUERY)
    return counts


def test_query_count_is_the_same_for_100_and_10000_rows(client_for, city):
    people = [*city.users.values(), *UserFactory.bulk(11, department=city.s1)]
    articles = list(Article.objects.all()[:10])
    client = client_for(city.admin)
    add_rows(100, city=city, people=people, articles=articles, offset=0)
    assert Vote.objects.filter(created_at__gte=START).count() >= 100
    small = measure(client)
    add_rows(9_900, city=city, people=people, articles=articles, offset=100)
    assert SupportRequest.objects.count() > 10_000 and ArticleView.objects.count() >= 10_000
    large = measure(client)
    assert large == small
    assert small["build"] <= PAGE_QUERY_LIMIT, small
    # And the large data set does show up in the figures.
    report = dashboard(client, reverse("reports:dashboard") + QUERY).context["report"]
    assert report.section("support").summary.rows[0][1] >= 10_000
