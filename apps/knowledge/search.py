"""The knowledge base's part of the search contract (apps.search.registry)."""

from django.db.models import Prefetch, QuerySet

from apps.core.markdown import markdown_to_text
from apps.knowledge.models import Article, Tag
from apps.search.registry import Audience, SearchDoc


def article_document(article: Article) -> SearchDoc | None:
    """Only published articles are findable: drafts, reviews and archived ones never leak."""
    if article.status != Article.Status.PUBLISHED:
        return None
    meta = []
    if article.category_id:
        meta.append(article.category.name)
    meta.extend(tag.name for tag in article.tags.all())
    return SearchDoc(
        title=article.title,
        body=markdown_to_text(article.body),
        url=article.get_absolute_url(),
        updated_at=article.updated_at,
        audience=Audience.ALL,
        meta=meta,
    )


def article_queryset() -> QuerySet[Article]:
    return (
        Article.objects.filter(status=Article.Status.PUBLISHED)
        .select_related("category")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )
