import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.devdata.demo import accounts as accounts_demo
from apps.devdata.demo import knowledge as demo
from apps.knowledge.models import Article, ArticleFeedback, ArticleRevision, ArticleView, Category, EditSuggestion
from apps.search.models import SearchDocument

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        Category.objects.count(),
        Article.objects.count(),
        ArticleRevision.objects.count(),
        ArticleView.objects.count(),
        ArticleFeedback.objects.count(),
        EditSuggestion.objects.count(),
        sorted(Article.objects.values_list("title", "status", "view_count", "version")),
    )


def test_knowledge_demo_is_idempotent_and_realistic():
    accounts_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    first = snapshot()
    demo.seed(io.StringIO())
    assert snapshot() == first

    articles = Article.objects.select_related("owner__department")
    assert 35 <= articles.count() <= 45
    assert {a.owner.department.code for a in articles} == {"130"}  # owned by COE members
    statuses = {s: articles.filter(status=s).count() for s in Article.Status.values}
    assert statuses["draft"] >= 1 and statuses["review"] >= 1 and statuses["published"] >= 30
    stale = [a for a in articles if a.is_stale_on(timezone.localdate())]
    assert 2 <= len(stale) <= 8  # a few are past their review-by date
    assert Category.objects.filter(parent__isnull=False).exists()
    assert ArticleRevision.objects.filter(number__gt=1).exists()  # some history to compare
    assert ArticleFeedback.objects.exists() and Article.objects.filter(view_count__gt=0).exists()
    # Only published articles are findable.
    indexed = set(SearchDocument.objects.filter(kind="article").values_list("object_id", flat=True))
    assert indexed == set(Article.objects.filter(status="published").values_list("pk", flat=True))


def test_seed_demo_command_includes_knowledge():
    call_command("seed_demo", stdout=io.StringIO())
    assert Article.objects.exists()
