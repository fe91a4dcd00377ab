"""Knowledge base in a real browser: an article can be edited with the keyboard alone, the
htmx preview and feedback work, and axe-core finds nothing serious on the knowledge pages."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.roles import Role
from apps.knowledge import services
from apps.knowledge.models import Article, ArticleAttachment, ArticleRevision, Category, Tag
from tests.factories import UserFactory

MAX_TABS = 60

BODY = """\
## 予約の手順

1. Teams の **予定表** を開く
2. **新しい会議** を選ぶ

| 項目 | 推奨設定 |
|---|---|
| ロビーを迂回する | 組織内のユーザー |

```powershell
Get-Team | Select-Object DisplayName
```

https://www.youtube.com/watch?v=dQw4w9WgXcQ

> 録画は参加者の同意を得てから。
"""


def make_article(owner, *, title="Teams 会議を予約する", status="published") -> Article:
    parent = Category.objects.get_or_create(name="Microsoft 365")[0]
    category = Category.objects.get_or_create(name="Teams", parent=parent)[0]
    article = Article.objects.create(
        title=title,
        body=BODY,
        excerpt="Teams で会議を予約する手順です。",
        category=category,
        owner=owner,
        status=status,
        updated_at=timezone.now(),
        review_by=timezone.localdate() - timedelta(days=3),
    )
    ArticleRevision.objects.create(article=article, number=1, title=title, body=BODY, editor=owner)
    article.tags.set([Tag.objects.get_or_create(name=n)[0] for n in ("Teams", "会議")])
    ArticleAttachment.objects.create(
        article=article,
        file=SimpleUploadedFile("guide.pdf", b"%PDF-1.4\n"),
        name="手順書.pdf",
        kind="pdf",
        size=9,
    )
    return article


def focused(page) -> dict | None:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return null;
            const style = getComputedStyle(el);
            return {id: el.id, name: el.name || "", tag: el.tagName, href: el.getAttribute("href") || "",
                    outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0};
        }"""
    )


def tab_to(page, predicate) -> dict:
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        now = focused(page)
        seen.append(now)
        if now and predicate(now):
            assert now["outline"] != "none" and now["outlineWidth"] >= 2, f"focus is not visible on {now}"
            return now
    raise AssertionError(f"not reached in {MAX_TABS} Tab presses: {seen}")


@pytest.fixture
def coe():
    return UserFactory(roles=[Role.COE], display_name="佐藤 美咲")


@pytest.mark.browser
def test_keyboard_only_article_edit(page_for, coe):
    article = make_article(coe)
    page = page_for(coe)
    page.goto(f"/knowledge/{article.pk}/")

    # From the article page to the editor with the keyboard.
    tab_to(page, lambda f: f["href"] == f"/knowledge/{article.pk}/edit/")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/knowledge/{article.pk}/edit/")

    tab_to(page, lambda f: f["id"] == "id_title")
    page.keyboard.press("Control+A")
    page.keyboard.type("Teams 会議を予約して庁外の方を招待する")
    tab_to(page, lambda f: f["id"] == "id_body")
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\n## よくある質問\n\n相手はブラウザーから参加できます。")

    # The preview button renders in place (htmx), and focus stays usable.
    tab_to(page, lambda f: f["name"] == "preview")
    page.keyboard.press("Enter")
    expect(page.locator("#preview h2", has_text="よくある質問")).to_be_visible()
    assert page.url.endswith("/edit/")  # previewing did not leave or save

    tab_to(page, lambda f: f["id"] == "id_note")
    page.keyboard.type("FAQ を追加")
    tab_to(page, lambda f: f["name"] == "save")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text("Teams 会議を予約して庁外の方を招待する")
    expect(page.locator(".kb-body h2", has_text="よくある質問")).to_be_visible()
    article.refresh_from_db()
    assert article.version == 2 and article.revisions.get(number=2).note == "FAQ を追加"


@pytest.mark.browser
def test_edit_conflict_is_explained_and_keeps_the_text(page_for, coe):
    article = make_article(coe)
    page = page_for(coe)
    page.goto(f"/knowledge/{article.pk}/edit/")
    page.locator("#id_body").fill(BODY + "\n私の追記")
    other = UserFactory(roles=[Role.COE], display_name="別の 編集者")
    services.article_update(
        article=article,
        actor=other,
        expected_version=1,
        title=article.title,
        body=BODY + "\n別の人の追記",
        category=article.category,
        tags=["Teams"],
        review_by=None,
    )
    with page.expect_navigation():
        page.locator("button[name=save]").click()
    conflict = page.locator("#conflict")
    expect(conflict).to_be_focused()
    expect(conflict).to_contain_text("別の 編集者")
    expect(conflict.locator("ins", has_text="別の人の追記")).to_be_visible()
    assert "私の追記" in page.locator("#id_body").input_value()


@pytest.mark.browser
def test_feedback_with_htmx(page_for, coe):
    article = make_article(coe)
    page = page_for(UserFactory())
    page.goto(f"/knowledge/{article.pk}/")
    page.locator("#id_comment").fill("とても役に立ちました")
    page.locator("button[name=helpful][value=yes]").click()
    expect(page.locator("#feedback [role=status]")).to_be_visible()
    assert page.url.endswith(f"/knowledge/{article.pk}/")


@pytest.mark.browser
@pytest.mark.parametrize("who", ["staff", "coe"])
def test_axe_knowledge_list(page_for, coe, axe_check, who):
    for i in range(3):
        make_article(coe, title=f"記事 {i}")
    make_article(coe, title="下書き", status="draft")
    page = page_for(coe if who == "coe" else UserFactory())
    page.goto("/knowledge/")
    expect(page.locator(".kb-item").first).to_be_visible()
    axe_check(page)


@pytest.mark.browser
@pytest.mark.parametrize("who", ["staff", "coe"])
def test_axe_article_page(page_for, coe, axe_check, who):
    article = make_article(coe)
    related = make_article(coe, title="関連する記事")
    article.related.add(related)
    services.edit_suggestion_create(article=article, author=UserFactory(), message="手順が変わりました")
    page = page_for(coe if who == "coe" else UserFactory())
    page.goto(f"/knowledge/{article.pk}/")
    expect(page.locator(".kb-body table")).to_be_visible()
    axe_check(page)


@pytest.mark.browser
def test_axe_edit_page_with_preview_and_errors(page_for, coe, axe_check):
    article = make_article(coe)
    page = page_for(coe)
    page.goto(f"/knowledge/{article.pk}/edit/")
    axe_check(page)
    page.locator("button[name=preview]").click()
    expect(page.locator("#preview table")).to_be_visible()
    axe_check(page)
    page.locator("#id_title").fill("")
    with page.expect_navigation():
        page.locator("button[name=save]").click()
    expect(page.locator("#error-summary")).to_be_focused()
    axe_check(page)


@pytest.mark.browser
def test_axe_history_and_diff(page_for, coe, axe_check):
    article = make_article(coe)
    services.article_update(
        article=article,
        actor=coe,
        expected_version=1,
        title=article.title,
        body=BODY.replace("組織内のユーザー", "自分のみ"),
        category=article.category,
        tags=["Teams"],
        review_by=None,
        note="設定を変更",
    )
    page = page_for(coe)
    page.goto(f"/knowledge/{article.pk}/history/")
    axe_check(page)
    page.goto(f"/knowledge/{article.pk}/history/2/")
    expect(page.locator("table.diff ins").first).to_be_visible()
    axe_check(page)


@pytest.mark.browser
def test_axe_new_article_and_reassign(page_for, coe, axe_check):
    page = page_for(coe)
    page.goto("/knowledge/new/")
    axe_check(page)
    make_article(coe)
    page.goto("/knowledge/owners/")
    axe_check(page)
