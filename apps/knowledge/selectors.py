"""Reads for the knowledge pages, shaped so a template never queries and a page's query
count does not grow with the number of articles, tags, attachments or revisions."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.knowledge.models import Article, ArticleFeedback, ArticleRevision, Category, EditSuggestion, Tag

S = Article.Status


@dataclass(frozen=True)
class CategoryNode:
    category: Category
    depth: int
    path: str  # "Microsoft 365 › Teams"


def category_tree() -> list[CategoryNode]:
    """Every category in tree order with its depth and full path: one query."""
    categories = list(Category.objects.all())
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    nodes: list[CategoryNode] = []

    def walk(parent_id: int | None, depth: int, prefix: str) -> None:
        for category in children.get(parent_id, []):
            path = f"{prefix} › {category.name}" if prefix else category.name
            nodes.append(CategoryNode(category, depth, path))
            if depth < 10:  # a cycle made in the admin must not hang the page
                walk(category.pk, depth + 1, path)

    walk(None, 0, "")
    return nodes


def category_paths() -> dict[int, str]:
    return {node.category.pk: node.path for node in category_tree()}


def category_with_descendant_ids(category: Category) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    result, stack = [], [category.pk]
    while stack:
        pk = stack.pop()
        if pk in result:
            continue
        result.append(pk)
        stack.extend(children.get(pk, []))
    return result


def article_visible_to(user: User) -> QuerySet[Article]:
    """The articles a user may open: everything for editors, else published ones and their own."""
    articles = Article.objects.all()
    if user.has_perm("knowledge.view_unpublished"):
        return articles
    return articles.filter(Q(status=S.PUBLISHED) | Q(owner=user))


SORTS = {
    "updated": ("-updated_at", "-id"),
    "title": ("title", "id"),
    "views": ("-view_count", "-id"),
    "review_by": ("review_by", "id"),
}


def article_list_for_user(
    user: User,
    *,
    category: Category | None = None,
    tag: Tag | None = None,
    status: str = "",
    stale: bool = False,
    mine: bool = False,
    sort: str = "updated",
    today: date | None = None,
) -> QuerySet[Article]:
    today = today or timezone.localdate()
    articles = article_visible_to(user)
    if not user.has_perm("knowledge.view_unpublished"):
        # Staff browse what is published; their own drafts show under "My articles".
        articles = articles.filter(owner=user) if mine else articles.filter(status=S.PUBLISHED)
    elif status:
        articles = articles.filter(status=status)
    elif not mine:
        articles = articles.exclude(status=S.ARCHIVED)
    if mine:
        articles = articles.filter(owner=user)
    if category is not None:
        articles = articles.filter(category_id__in=category_with_descendant_ids(category))
    if tag is not None:
        articles = articles.filter(tags=tag)
    if stale:
        articles = articles.filter(status=S.PUBLISHED, review_by__lt=today)
    return (
        articles.select_related("category", "owner")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .defer("body")
        .order_by(*SORTS.get(sort, SORTS["updated"]))
    )


def article_detail_for_user(user: User, pk: int) -> Article:
    """The article page's article, or 404 when it does not exist or the user may not see it
    (a draft is not admitted to exist)."""
    article = (
        Article.objects.select_related("category", "owner__department", "updated_by")
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
            "attachments",
            Prefetch(
                "related",
                queryset=Article.objects.filter(status=S.PUBLISHED).defer("body").order_by("title"),
                to_attr="related_published",
            ),
        )
        .annotate(
            helpful_yes=Count("feedback", filter=Q(feedback__helpful=True)),
            helpful_no=Count("feedback", filter=Q(feedback__helpful=False)),
        )
        .filter(pk=pk)
        .first()
    )
    if article is None or not user.has_perm("knowledge.view_article", article):
        raise Http404
    return article


def article_for_edit(pk: int) -> Article:
    article = (
        Article.objects.select_related("category", "owner")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")), "attachments", "related")
        .filter(pk=pk)
        .first()
    )
    if article is None:
        raise Http404
    return article


def feedback_of(article: Article, user: User) -> ArticleFeedback | None:
    return ArticleFeedback.objects.filter(article=article, user=user).first()


def revision_list(article: Article) -> QuerySet[ArticleRevision]:
    return ArticleRevision.objects.filter(article=article).select_related("editor").defer("body").order_by("-number")


def revision_get(article: Article, number: int) -> ArticleRevision:
    revision = ArticleRevision.objects.filter(article=article, number=number).select_related("editor").first()
    if revision is None:
        raise Http404
    return revision


def suggestions_open(article: Article) -> QuerySet[EditSuggestion]:
    return EditSuggestion.objects.filter(article=article, status=EditSuggestion.Status.OPEN).select_related("author")


def suggestion_get(article: Article, pk: int) -> EditSuggestion:
    suggestion = EditSuggestion.objects.filter(article=article, pk=pk).select_related("author", "resolved_by").first()
    if suggestion is None:
        raise Http404
    return suggestion


RELATED_CHOICES_LIMIT = 200


def article_choices_for_related(article: Article | None = None) -> QuerySet[Article]:
    """What the editor offers as related articles: the current links plus the most recently
    updated published articles of the same category (of all, for a new article), so the
    select stays short however large the knowledge base grows."""
    candidates = Article.objects.filter(status=S.PUBLISHED)
    current: list[int] = []
    if article is not None:
        candidates = candidates.exclude(pk=article.pk)
        if article.category_id:
            candidates = candidates.filter(category_id=article.category_id)
        current = [a.pk for a in article.related.all()]
    recent = candidates.order_by("-updated_at").values("pk")[:RELATED_CHOICES_LIMIT]
    return Article.objects.filter(Q(pk__in=recent) | Q(pk__in=current)).only("pk", "title").order_by("title")


def owners_with_articles() -> QuerySet[User]:
    return User.objects.filter(knowledge_articles__isnull=False).distinct().order_by("display_name", "username")


def possible_owners() -> QuerySet[User]:
    """Who can be handed articles: active COE members and administrators."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.COE, Role.ADMIN])
        .distinct()
        .order_by("display_name", "username")
    )


def articles_owned_by(user: User) -> QuerySet[Article]:
    return Article.objects.filter(owner=user).defer("body").order_by("title")


def home_context(request) -> dict:
    user = request.user
    today = timezone.localdate()
    context = {
        "recent": list(
            Article.objects.filter(status=S.PUBLISHED)
            .select_related("category")
            .defer("body")
            .order_by("-updated_at")[:5]
        ),
        "is_editor": user.has_perm("knowledge.change_article"),
    }
    if context["is_editor"]:
        context["awaiting_review"] = list(
            Article.objects.filter(status=S.REVIEW).select_related("owner").defer("body").order_by("updated_at")[:5]
        )
        context["stale"] = list(
            Article.objects.filter(status=S.PUBLISHED, review_by__lt=today)
            .select_related("owner")
            .defer("body")
            .order_by("review_by")[:5]
        )
    return context


SIMILAR_LIMIT = 3


def similar_articles(article: Article, user: User) -> list:
    """A few published articles similar to this one, found by the search app (besides the
    editor's explicit links). Only published articles are indexed, so nothing unpublished shows."""
    if not article.is_published:
        return []
    from apps.search.selectors import similar

    explicit = {a.pk for a in getattr(article, "related_published", [])}
    hits = similar(
        f"{article.title} {article.excerpt}",
        types=["article"],
        user=user,
        limit=SIMILAR_LIMIT + len(explicit),
        exclude=("article", article.pk),
    )
    return [hit for hit in hits if hit.object_id not in explicit][:SIMILAR_LIMIT]
