from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.knowledge import services
from apps.knowledge.models import Article, ArticleFeedback, ArticleView, EditSuggestion

pytestmark = pytest.mark.django_db


def form_data(article, **changes):
    return {
        "title": article.title,
        "category": article.category_id or "",
        "tags": ", ".join(t.name for t in article.tags.all()),
        "body": article.body,
        "review_by": "",
        "note": "",
        "version": article.version,
        **changes,
    }


# --- list -----------------------------------------------------------------------------------


def test_list_shows_published_articles_to_staff_only(client_for, staff_user, article_factory):
    article_factory(title="公開中の記事")
    article_factory(title="下書きの記事", status="draft")
    article_factory(title="レビュー中の記事", status="review")
    article_factory(title="アーカイブ済みの記事", status="archived")
    html = client_for(staff_user).get(reverse("knowledge:list")).content.decode()
    assert "公開中の記事" in html
    assert "下書きの記事" not in html and "レビュー中の記事" not in html and "アーカイブ済みの記事" not in html
    assert 'name="status"' not in html  # no status filter for staff


def test_coe_filters_by_status(client_for, coe_user, article_factory):
    article_factory(title="公開中の記事")
    article_factory(title="レビュー中の記事", status="review")
    client = client_for(coe_user)
    html = client.get(reverse("knowledge:list")).content.decode()
    assert "公開中の記事" in html and "レビュー中の記事" in html
    html = client.get(reverse("knowledge:list"), {"status": "review"}).content.decode()
    assert "公開中の記事" not in html and "レビュー中の記事" in html


def test_list_filters_by_category_including_subcategories_and_by_tag(
    client_for, staff_user, article_factory, category_factory, tag_factory
):
    m365 = category_factory(name="Microsoft 365")
    teams = category_factory(name="Teams", parent=m365)
    security = category_factory(name="セキュリティ")
    article_factory(title="会議の記事", category=teams, tags=[tag_factory(name="会議")])
    article_factory(title="ゼロトラストの記事", category=security)
    client = client_for(staff_user)
    html = client.get(reverse("knowledge:list"), {"category": m365.pk}).content.decode()
    assert "会議の記事" in html and "ゼロトラストの記事" not in html
    assert "Microsoft 365 › Teams" in html
    html = client.get(reverse("knowledge:list"), {"tag": "会議"}).content.decode()
    assert "会議の記事" in html and "ゼロトラストの記事" not in html


def test_stale_articles_are_marked_and_filterable(client_for, staff_user, article_factory):
    today = timezone.localdate()
    article_factory(title="古い記事", review_by=today - timedelta(days=1))
    article_factory(title="新しい記事", review_by=today + timedelta(days=30))
    client = client_for(staff_user)
    html = client.get(reverse("knowledge:list")).content.decode()
    assert html.count("status-badge--stale") == 1
    html = client.get(reverse("knowledge:list"), {"stale": "on"}).content.decode()
    assert "古い記事" in html and "新しい記事" not in html


def test_bad_filter_values_do_not_break_the_list(client_for, staff_user, published):
    response = client_for(staff_user).get(
        reverse("knowledge:list"), {"category": "abc", "tag": "ない", "sort": "x", "page": "zz"}
    )
    assert response.status_code == 200


# --- article page ----------------------------------------------------------------------------


def test_article_page_shows_the_facts_and_counts_a_view(client_for, staff_user, published, tag_factory):
    published.tags.set([tag_factory(name="Teams")])
    published.review_by = timezone.localdate() + timedelta(days=10)
    published.save()
    response = client_for(staff_user).get(published.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h2>はじめに</h2>" in html and "<ol>" in html
    assert published.owner.get_full_name() in html and "Teams" in html
    assert ArticleView.objects.filter(article=published, user=staff_user).exists()
    published.refresh_from_db()
    assert published.view_count == 1


def test_staff_see_suggest_but_not_edit_buttons(client_for, staff_user, published):
    html = client_for(staff_user).get(published.get_absolute_url()).content.decode()
    assert reverse("knowledge:suggest", args=[published.pk]) in html
    assert reverse("knowledge:edit", args=[published.pk]) not in html
    assert reverse("knowledge:history", args=[published.pk]) not in html


def test_coe_sees_the_workflow_buttons(client_for, coe_user, draft):
    html = client_for(coe_user).get(draft.get_absolute_url()).content.decode()
    assert reverse("knowledge:edit", args=[draft.pk]) in html
    assert reverse("knowledge:transition", args=[draft.pk, "submit"]) in html
    assert reverse("knowledge:history", args=[draft.pk]) in html


def test_workflow_through_the_views(client_for, coe_user, draft):
    client = client_for(coe_user)
    client.post(reverse("knowledge:transition", args=[draft.pk, "submit"]))
    client.post(reverse("knowledge:transition", args=[draft.pk, "publish"]))
    draft.refresh_from_db()
    assert draft.status == "published"
    # Publishing again is explained, not a server error.
    response = client.post(reverse("knowledge:transition", args=[draft.pk, "publish"]), follow=True)
    assert response.status_code == 200 and "alert--error" in response.content.decode()
    assert client.post(reverse("knowledge:transition", args=[draft.pk, "explode"])).status_code == 404
    assert client.get(reverse("knowledge:transition", args=[draft.pk, "archive"])).status_code == 405


# --- permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "review", "archived"])
def test_staff_cannot_see_unpublished_articles(client_for, staff_user, article_factory, status):
    article = article_factory(status=status)
    client = client_for(staff_user)
    assert client.get(article.get_absolute_url()).status_code == 404
    assert client.get(reverse("knowledge:history", args=[article.pk])).status_code == 404
    assert client.get(reverse("knowledge:suggest", args=[article.pk])).status_code == 404


def test_owner_sees_own_draft(client_for, user_factory, article_factory):
    owner = user_factory()
    article = article_factory(owner=owner, status="draft")
    assert client_for(owner).get(article.get_absolute_url()).status_code == 200


def test_staff_and_managers_cannot_write(client, staff_user, manager_user, published):
    for user in (staff_user, manager_user):
        client.force_login(user)
        assert client.get(reverse("knowledge:create")).status_code == 403
        assert client.post(reverse("knowledge:create"), {"title": "x", "body": "y"}).status_code == 403
        assert client.get(reverse("knowledge:edit", args=[published.pk])).status_code == 403
        assert client.post(reverse("knowledge:edit", args=[published.pk]), form_data(published)).status_code == 403
        for action in ("submit", "publish", "archive", "return"):
            assert client.post(reverse("knowledge:transition", args=[published.pk, action])).status_code == 403
        assert client.post(reverse("knowledge:restore", args=[published.pk, 1])).status_code == 403
        assert client.get(reverse("knowledge:reassign")).status_code == 403
        assert client.post(reverse("knowledge:preview"), {"body": "x"}).status_code == 403
        assert client.get(reverse("knowledge:history", args=[published.pk])).status_code == 403
    published.refresh_from_db()
    assert published.status == "published" and published.version == 1


def test_signed_out_visitors_are_sent_to_sign_in(client, published):
    for url in (reverse("knowledge:list"), published.get_absolute_url(), reverse("knowledge:create")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_missing_article_is_404(client_for, coe_user):
    assert client_for(coe_user).get(reverse("knowledge:detail", args=[999999])).status_code == 404


# --- editor ----------------------------------------------------------------------------------


def test_create_through_the_form(client_for, coe_user, category_factory):
    category = category_factory()
    response = client_for(coe_user).post(
        reverse("knowledge:create"),
        {"title": "新しい記事", "category": category.pk, "tags": "Teams、会議", "body": "本文", "version": ""},
    )
    article = Article.objects.get(title="新しい記事")
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
    assert sorted(t.name for t in article.tags.all()) == ["Teams", "会議"]
    assert article.status == "draft"


def test_invalid_form_keeps_everything_typed(client_for, coe_user):
    response = client_for(coe_user).post(
        reverse("knowledge:create"), {"title": "", "body": "書きかけの本文です", "tags": "タグA, タグB"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "書きかけの本文です" in html and "タグA, タグB" in html
    assert 'id="error-summary"' in html and 'href="#id_title"' in html
    assert not Article.objects.exists()


def test_preview_without_javascript_saves_nothing(client_for, coe_user, published):
    response = client_for(coe_user).post(
        reverse("knowledge:edit", args=[published.pk]),
        form_data(published, body="# 見出しの試し\n\n<script>alert(1)</script>", preview="1"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>見出しの試し</h1>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the textarea keeps the text, escaped
    published.refresh_from_db()
    assert published.version == 1


def test_htmx_preview_returns_the_fragment(client_for, coe_user):
    response = client_for(coe_user).post(
        reverse("knowledge:preview"), {"body": "| 列 | 値 |\n|---|---|\n| a | b |"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<table>" in html and "<html" not in html


def test_edit_saves_a_revision(client_for, coe_user, published):
    response = client_for(coe_user).post(
        reverse("knowledge:edit", args=[published.pk]), form_data(published, body="更新後の本文", note="更新")
    )
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.body == "更新後の本文" and published.version == 2


def test_concurrent_edit_shows_the_other_change_and_keeps_mine(client_for, coe_user, user_factory, published):
    other = user_factory(roles=[Role.COE], display_name="別の 編集者")
    opened = form_data(published)  # both opened version 1
    services.article_update(
        article=published,
        actor=other,
        expected_version=1,
        title=published.title,
        body=published.body + "\n3. 参加者を招待する（別の編集者が追加）",
        category=published.category,
        tags=[],
        review_by=None,
    )
    mine = {**opened, "body": opened["body"] + "\n私が書いた大事な追記", "title": "私の題名"}
    response = client_for(coe_user).post(reverse("knowledge:edit", args=[published.pk]), mine)
    html = response.content.decode()
    assert response.status_code == 409
    # Nothing lost: my text is in the form…
    assert "私が書いた大事な追記" in html and 'value="私の題名"' in html
    # …the other person's change is shown, with who made it…
    assert "別の編集者が追加" in html and "別の 編集者" in html
    assert 'class="diff"' in html and "<ins>" in html
    # …and the form now carries the current version, so saving again is a deliberate choice.
    assert 'name="version" value="2"' in html
    published.refresh_from_db()
    assert published.version == 2 and "私が書いた" not in published.body

    response = client_for(coe_user).post(reverse("knowledge:edit", args=[published.pk]), {**mine, "version": 2})
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.version == 3 and "私が書いた大事な追記" in published.body
    assert published.revisions.count() == 3  # the other change stays in the history


def test_edit_can_start_from_a_suggestion(client_for, coe_user, staff_user, published):
    suggestion = services.edit_suggestion_create(
        article=published, author=staff_user, message="直して", proposed_body="提案された本文"
    )
    html = client_for(coe_user).get(reverse("knowledge:edit", args=[published.pk]) + f"?suggestion={suggestion.pk}")
    assert "提案された本文" in html.content.decode()


# --- history ---------------------------------------------------------------------------------


def test_history_diff_and_restore(client_for, coe_user, published):
    client = client_for(coe_user)
    client.post(
        reverse("knowledge:edit", args=[published.pk]),
        form_data(published, body=published.body.replace("カレンダー", "予定表"), note="用語を変更"),
    )
    html = client.get(reverse("knowledge:history", args=[published.pk])).content.decode()
    assert "用語を変更" in html and reverse("knowledge:revision", args=[published.pk, 2]) in html

    html = client.get(reverse("knowledge:revision", args=[published.pk, 2])).content.decode()
    assert "<caption>" in html and "<del>" in html and "<ins>" in html
    assert "カレンダー" in html and "予定表" in html
    assert reverse("knowledge:restore", args=[published.pk, 2]) not in html  # the current one

    html = client.get(reverse("knowledge:revision", args=[published.pk, 1])).content.decode()
    assert reverse("knowledge:restore", args=[published.pk, 1]) in html
    response = client.post(reverse("knowledge:restore", args=[published.pk, 1]))
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.version == 3 and "カレンダー" in published.body
    assert client.get(reverse("knowledge:revision", args=[published.pk, 99])).status_code == 404


# --- feedback and suggestions ----------------------------------------------------------------


def test_feedback_form(client_for, staff_user, published):
    client = client_for(staff_user)
    response = client.post(reverse("knowledge:feedback", args=[published.pk]), {"helpful": "no", "comment": "古い"})
    assert response.status_code == 302 and response["Location"].endswith("#feedback")
    assert ArticleFeedback.objects.get().comment == "古い"
    response = client.post(
        reverse("knowledge:feedback", args=[published.pk]), {"helpful": "yes"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="feedback"' in html and "<html" not in html
    assert ArticleFeedback.objects.get().helpful is True
    html = client.get(published.get_absolute_url()).content.decode()
    assert "1" in html.split('id="feedback"')[1]


def test_bad_feedback_is_a_400_and_keeps_the_comment(client_for, staff_user, published):
    response = client_for(staff_user).post(
        reverse("knowledge:feedback", args=[published.pk]), {"helpful": "maybe", "comment": "残したいコメント"}
    )
    assert response.status_code == 400 and "残したいコメント" in response.content.decode()


def test_suggest_an_edit(client_for, staff_user, published):
    client = client_for(staff_user)
    html = client.get(reverse("knowledge:suggest", args=[published.pk])).content.decode()
    assert "カレンダーを開く" in html  # the proposed text starts as the article's text
    response = client.post(reverse("knowledge:suggest", args=[published.pk]), {"message": "", "proposed_body": "案"})
    assert response.status_code == 200 and "案" in response.content.decode()
    response = client.post(
        reverse("knowledge:suggest", args=[published.pk]),
        {"message": "手順が変わりました", "proposed_body": "新しい案"},
    )
    assert response.status_code == 302
    suggestion = EditSuggestion.objects.get()
    # The reader cannot open the owner's view of it; the owner can, with a diff.
    assert client.get(reverse("knowledge:suggestion", args=[published.pk, suggestion.pk])).status_code == 403
    owner_client = client_for(published.owner)
    html = owner_client.get(reverse("knowledge:suggestion", args=[published.pk, suggestion.pk])).content.decode()
    assert "手順が変わりました" in html and "新しい案" in html and 'class="diff"' in html
    owner_client.post(reverse("knowledge:suggestion", args=[published.pk, suggestion.pk]), {"decision": "decline"})
    suggestion.refresh_from_db()
    assert suggestion.status == "declined"


# --- reassignment ----------------------------------------------------------------------------


def test_reassign_page(client_for, coe_user, user_factory, article_factory):
    leaving = user_factory(roles=[Role.COE], display_name="異動 する人")
    successor = user_factory(roles=[Role.COE], display_name="後任 の人")
    a, b = article_factory(owner=leaving, title="記事A"), article_factory(owner=leaving, title="記事B")
    client = client_for(coe_user)
    html = client.post(reverse("knowledge:reassign"), {"from_user": leaving.pk, "choose": "1"}).content.decode()
    assert "記事A" in html and "記事B" in html

    response = client.post(
        reverse("knowledge:reassign"), {"from_user": leaving.pk, "to_user": successor.pk, "scope": "selected"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="error-summary"' in html
    assert "記事A" in html  # the choice of articles is still offered

    response = client.post(
        reverse("knowledge:reassign"),
        {"from_user": leaving.pk, "to_user": successor.pk, "scope": "selected", "articles": [a.pk]},
    )
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.owner == successor and b.owner == leaving

    response = client.post(
        reverse("knowledge:reassign"), {"from_user": leaving.pk, "to_user": leaving.pk, "scope": "all"}
    )
    assert response.status_code == 200 and "error-summary" in response.content.decode()


def test_home_panel(client_for, coe_user, staff_user, article_factory):
    article_factory(title="ホームに出る記事")
    article_factory(title="レビュー待ちの記事", status="review")
    html = client_for(staff_user).get(reverse("core:home")).content.decode()
    assert "ホームに出る記事" in html and "レビュー待ちの記事" not in html
    html = client_for(coe_user).get(reverse("core:home")).content.decode()
    assert "レビュー待ちの記事" in html


def test_navigation_entry(client_for, staff_user):
    html = client_for(staff_user).get(reverse("core:home")).content.decode()
    assert f'href="{reverse("knowledge:list")}"' in html


def test_related_choices_stay_short_and_keep_current_links(client_for, coe_user, article_factory, category_factory):
    teams, security = category_factory(name="Teams"), category_factory(name="セキュリティ")
    article = article_factory(category=teams)
    same = article_factory(category=teams, title="同じカテゴリの記事")
    linked_elsewhere = article_factory(category=security, title="別カテゴリだがリンク済み")
    article_factory(category=security, title="別カテゴリの記事")
    article_factory(category=teams, title="同じカテゴリの下書き", status="draft")
    article.related.add(linked_elsewhere)
    html = client_for(coe_user).get(reverse("knowledge:edit", args=[article.pk])).content.decode()
    options = html.split('id="id_related"', 1)[1].split("</select>", 1)[0]
    assert same.title in options and linked_elsewhere.title in options
    assert "別カテゴリの記事" not in options and "下書き" not in options
    assert f'value="{linked_elsewhere.pk}" selected' in options
