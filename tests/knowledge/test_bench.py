import io

import pytest
from django.urls import reverse

from apps.devdata.bench import knowledge as bench
from apps.knowledge.models import Article, ArticleRevision
from apps.search.models import SearchDocument

pytestmark = pytest.mark.django_db


def test_bench_seed_makes_browsable_articles(coe_user, client_for):
    out = io.StringIO()
    bench.seed(sizes={"articles": 120}, stdout=out)
    assert bench.counts() == {"articles": 120}
    assert "120 articles" in out.getvalue()
    # Every article has its revisions up to its version, and only published ones are findable.
    assert ArticleRevision.objects.count() == sum(Article.objects.values_list("version", flat=True))
    published = set(Article.objects.filter(status="published").values_list("pk", flat=True))
    assert set(SearchDocument.objects.filter(kind="article").values_list("object_id", flat=True)) == published
    client = client_for(coe_user)
    assert client.get(reverse("knowledge:list")).status_code == 200
    article = Article.objects.filter(version=2).first()
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get(reverse("knowledge:revision", args=[article.pk, 2])).status_code == 200
