"""A page's query count does not grow with the number of items on it."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.knowledge import services
from apps.knowledge.models import ArticleAttachment, ArticleRevision, Category

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached")]


def count_queries(client, url, params=None) -> int:
    # A first request may write once (the session, the day's view row): measure the steady state.
    assert client.get(url, params or {}).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
        assert response.status_code == 200
    return len(ctx)


def make_articles(n, article_factory, tag_factory, category_factory, user_factory):
    parent, _ = Category.objects.get_or_create(name="親")
    for i in range(n):
        owner = user_factory(roles=[Role.COE])
        article = article_factory(
            owner=owner,
            category=category_factory(parent=parent),
            status="published" if i % 3 else "review",
            review_by=timezone.localdate() - timedelta(days=i % 2),
        )
        article.tags.set([tag_factory(name=f"tag{i}"), tag_factory(name=f"tag{i + 1}"), tag_factory(name="共通")])


@pytest.mark.parametrize("who", ["staff", "coe"])
@pytest.mark.parametrize("params", [{}, {"tag": "共通", "sort": "views"}, {"stale": "on", "owner": "me"}])
def test_list_queries_do_not_grow(
    client_for, staff_user, coe_user, article_factory, tag_factory, category_factory, user_factory, who, params
):
    client = client_for(staff_user if who == "staff" else coe_user)
    make_articles(10, article_factory, tag_factory, category_factory, user_factory)
    few = count_queries(client, reverse("knowledge:list"), params)
    make_articles(40, article_factory, tag_factory, category_factory, user_factory)
    many = count_queries(client, reverse("knowledge:list"), params)
    assert many == few


def grow(article, n, coe_user, user_factory, tag_factory, article_factory):
    """Give the article n attachments, tags, related articles, revisions and feedback."""
    for i in range(n):
        ArticleAttachment.objects.create(
            article=article,
            file=SimpleUploadedFile(f"f{i}.txt", b"x"),
            name=f"資料{i}.txt",
            kind="txt",
            size=1,
        )
        article.tags.add(tag_factory(name=f"{article.pk}-tag{i}"))
        article.related.add(article_factory())
        ArticleRevision.objects.create(
            article=article, number=article.version + 1, title=article.title, body=f"{i}", editor=coe_user
        )
        article.version += 1
        article.save(update_fields=["version"])
        services.article_feedback_record(article=article, user=user_factory(), helpful=bool(i % 2), comment="")


@pytest.mark.parametrize("who", ["staff", "coe"])
def test_article_page_queries_do_not_grow(
    client_for, staff_user, coe_user, article_factory, tag_factory, user_factory, who
):
    client = client_for(staff_user if who == "staff" else coe_user)
    small, large = article_factory(owner=coe_user), article_factory(owner=coe_user)
    grow(small, 1, coe_user, user_factory, tag_factory, article_factory)
    grow(large, 10, coe_user, user_factory, tag_factory, article_factory)
    few = count_queries(client, small.get_absolute_url())
    many = count_queries(client, large.get_absolute_url())
    assert many == few


def test_history_page_queries_do_not_grow(client_for, coe_user, article_factory, tag_factory, user_factory):
    client = client_for(coe_user)
    small, large = article_factory(owner=coe_user), article_factory(owner=coe_user)
    grow(small, 1, coe_user, user_factory, tag_factory, article_factory)
    grow(large, 10, coe_user, user_factory, tag_factory, article_factory)
    assert count_queries(client, reverse("knowledge:history", args=[small.pk])) == count_queries(
        client, reverse("knowledge:history", args=[large.pk])
    )


def test_edit_page_queries_do_not_grow(client_for, coe_user, article_factory, tag_factory, user_factory):
    client = client_for(coe_user)
    small, large = article_factory(owner=coe_user), article_factory(owner=coe_user)
    grow(small, 1, coe_user, user_factory, tag_factory, article_factory)
    grow(large, 10, coe_user, user_factory, tag_factory, article_factory)
    assert count_queries(client, reverse("knowledge:edit", args=[small.pk])) == count_queries(
        client, reverse("knowledge:edit", args=[large.pk])
    )
