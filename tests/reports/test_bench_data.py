"""The benchmark data set fills every part of the report: reading, helpful answers, the
search log (with searches that found nothing) and questions answered before asking, so
`make bench` measures the dashboard with realistic, non-empty figures."""

import io

import pytest
from django.utils import timezone, translation

from apps.core.dates import current_fiscal_year
from apps.devdata.bench import accounts as accounts_bench
from apps.devdata.bench import cases as cases_bench
from apps.devdata.bench import knowledge as knowledge_bench
from apps.devdata.bench import support as support_bench
from apps.knowledge.models import ArticleFeedback, ArticleView
from apps.reports.periods import Period
from apps.search.models import SearchQuery
from apps.support.models import Deflection
from tests.reports.helpers import build, summary, table

SIZES = {"departments": 20, "users": 300, "articles": 80, "cases": 40, "requests": 400}


def test_bench_data_gives_every_knowledge_and_support_figure(db):
    out = io.StringIO()
    for module in (accounts_bench, knowledge_bench, cases_bench, support_bench):
        module.seed(sizes=SIZES, stdout=out)
    # The new rows do not change what `seed_bench --if-needed` compares.
    assert knowledge_bench.counts() == {"articles": 80}
    assert support_bench.counts() == {"requests": 400}
    assert ArticleView.objects.count() > 700
    assert Deflection.objects.count() == 40
    # One view per reader, article and day; one answer per reader and article (the constraints held).
    assert ArticleFeedback.objects.count() > 20
    assert SearchQuery.objects.filter(result_count=0).exists()

    three_years = Period(start=Period.for_fiscal_year(current_fiscal_year() - 3).start, end=timezone.localdate())
    with translation.override("en"):
        report = build(period=three_years)
    knowledge = summary(report, "knowledge")
    assert knowledge["Article views"] == ArticleView.objects.count()
    assert knowledge["Answered “helpful”"] > 0 and knowledge["Answered “not helpful”"] > 0
    assert 0 < knowledge["Searches that found nothing"] < knowledge["Searches"]
    assert table(report, "knowledge", "no-results").rows
    assert summary(report, "support")["Questions answered before asking"] == 40
    assert table(report, "support", "deflections").rows


def test_seed_bench_refuses_a_database_that_is_not_a_benchmarks_own(db):
    """It empties the database first: the test database (no "bench" in its name) is refused,
    and nothing is deleted."""
    from django.core.management import CommandError, call_command

    from tests.factories import UserFactory

    user = UserFactory()
    with pytest.raises(CommandError, match="is not a benchmark database"):
        call_command("seed_bench", "--users", "1", stdout=io.StringIO())
    assert type(user).objects.filter(pk=user.pk).exists()
