"""Related articles (PRODUCT.md, knowledge base): the article page links the related articles
the editor chose, and only those a reader may open — a related draft, article in review or
archived article is not shown, to staff or to an administrator."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def related_titles(html: str) -> list[str]:
    section = html.split('id="kb-related-title"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<a href="/knowledge/\d+/">([^<]+)</a>', section)


@pytest.mark.parametrize("reader", ["staff_user", "admin_user"])
def test_the_article_page_lists_its_published_related_articles_by_title(request, client_for, article_factory, reader):
    article = article_factory(title="電子申請の始め方")
    article.related.add(
        article_factory(title="電子申請のよくある質問"),
        article_factory(title="LoGoフォームの使い方"),
        article_factory(title="電子申請の下書き", status="draft"),
        article_factory(title="電子申請の確認待ち", status="review"),
        article_factory(title="旧電子申請システム", status="archived"),
    )
    article_factory(title="電子申請と関係のない記事")  # not chosen as related

    page = client_for(request.getfixturevalue(reader)).get(reverse("knowledge:detail", args=[article.pk]))

    assert page.status_code == 200
    titles = related_titles(page.content.decode())
    assert titles[:2] == ["LoGoフォームの使い方", "電子申請のよくある質問"]
    assert not {"電子申請の下書き", "電子申請の確認待ち", "旧電子申請システム"} & set(titles)
