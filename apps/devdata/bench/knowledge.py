"""Benchmark data: a knowledge base grown over several years, 50,000 articles by default.

Loaded by `manage.py seed_bench` after accounts. Bodies are the demo articles' real
Markdown, varied per article (topic, department, fiscal year, an extra section), so pages
render and search realistically. Most articles are published, some are drafts, in review
or archived, and about one in ten is past its review-by date. Published articles are put
in the search index in bulk, as `search_reindex` would.

Reading, for the reports (`seed_reading`): over the last three years, VIEWS_PER_ARTICLE
views per article (one reader, one article, one day; popular articles far more often),
one "was this helpful?" answer per FEEDBACK_EVERY views, and SEARCHES_PER_USER searches
per user in the search log, NO_RESULT_SHARE of them for words nothing answers (the
report's "articles to write next"). They scale with the sizes above, so `counts()` is
unchanged. PostgreSQL gets these rows by COPY, other databases by bulk_create.
"""

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from functools import cache
from itertools import islice

from django.db import connection
from django.utils import timezone

from apps.accounts.models import Department, User
from apps.accounts.roles import Role
from apps.core.markdown import markdown_to_text
from apps.core.text import normalize
from apps.devdata.demo.knowledge import ARTICLES, CATEGORIES
from apps.knowledge.models import Article, ArticleFeedback, ArticleRevision, ArticleView, Category, Tag
from apps.search.models import SearchQuery

SIZES = {"articles": 50_000}
BATCH = 2_000
READING_SPAN_DAYS = 3 * 365
VIEWS_PER_ARTICLE = 10
FEEDBACK_EVERY = 20
SEARCHES_PER_USER = 4
NO_RESULT_SHARE = 0.08
# What staff look for and the knowledge base does not answer (yet).
MISSING_TOPICS = [
    "マイナンバーカード 出張申請", "公用車 予約 アプリ", "LGWAN メール 容量", "議事録 自動要約",
    "ふるさと納税 システム", "GIS 固定資産", "窓口 タブレット 通訳", "電子契約 導入", "Box 共有リンク",
    "会計年度任用職員 勤怠", "kintone 連携", "スキャナ保存 要件", "Zoom ウェビナー", "ノーコード 研修 日程",
    "庁内 Wi-Fi 申請", "テレワーク 端末 返却", "ChatGPT 利用 ガイドライン 改定", "防災アプリ 多言語",
    "オンライン 相談 予約", "QR 決済 手数料",
]  # fmt: skip
SEARCH_WORDS = ["申請", "会議", "マニュアル", "研修", "パスワード", "共有", "テンプレート", "予約", "集計"]

TOPICS = [
    "Teams 会議",
    "Teams チャネル",
    "SharePoint リスト",
    "SharePoint サイト",
    "OneDrive",
    "Outlook 予定表",
    "Forms アンケート",
    "Power Apps",
    "Power Automate",
    "Power BI",
    "RPA",
    "AI-OCR",
    "電子申請",
    "キャッシュレス決済",
    "チャットボット",
    "オープンデータ",
    "生成AI",
    "多要素認証",
    "テレワーク",
    "ペーパーレス会議",
    "デザイン思考",
    "住民インタビュー",
    "UX レビュー",
    "やさしい日本語",
    "データ共有",
    "Excel マクロ",
    "文書管理",
    "庁内ポータル",
]
TITLE_FORMS = [
    "{topic}の始め方",
    "{topic}のよくある質問",
    "{topic}でつまずいたときの対処法",
    "{topic}の庁内ルール（{fy}年度版）",
    "{dept}における{topic}の活用例",
    "{topic}を使った業務改善のヒント",
    "{topic}の設定手順（{fy}年度更新）",
    "はじめての{topic}：基本操作",
    "{topic}の引き継ぎチェックリスト",
    "{topic}研修の資料と録画",
]
LEADS = [
    "この記事では、{dept}の職員向けに{topic}について説明します。",
    "{fy}年度に{dept}から多く寄せられた質問をもとに、{topic}の要点をまとめました。",
    "{topic}を初めて使う方が、30 分で基本を押さえられるように書いています。",
    "{dept}での導入を支援した経験から、{topic}を進めるときの注意点を整理しました。",
]
EXTRA_SECTIONS = [
    "## 問い合わせ先\n\nわからないことは DX推進課（内線 {ext}）またはポータルの支援依頼からご相談ください。",
    "## 更新履歴\n\n- {fy}年4月：画面の変更に合わせて手順を更新\n- {fy}年10月：よくある質問を追加",
    "## 関連する研修\n\n{month}月に{topic}の勉強会を開きます。録画は動画ポータルで公開します。",
    "## 補足\n\n所属によって運用が異なる場合があります。{dept}の庶務担当にも確認してください。",
]


def counts() -> dict[str, int]:
    return {"articles": Article.objects.count()}


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """COPY on PostgreSQL; elsewhere bulk_create, which would overwrite auto_now dates."""
    if connection.vendor == "postgresql":
        sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    # Column names are attnames (article_id), which model constructors accept as well.
    dated = [
        f for f in model._meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f.auto_now, f.auto_now_add) for f in dated]
    for f in dated:
        f.auto_now = f.auto_now_add = False
    try:
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=BATCH)
    finally:
        for f, (auto_now, auto_now_add) in zip(dated, saved, strict=True):
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def seed_reading(*, sizes: dict[str, int], stdout) -> None:
    """Article views, helpful answers and the search log of the last three years (see the
    module docstring); callable on its own to add them to a database seeded before."""
    rng = random.Random(20261126)
    now = timezone.now()
    today = timezone.localdate(now)
    articles = list(
        Article.objects.filter(status=Article.Status.PUBLISHED)
        .order_by("-view_count", "pk")
        .values_list("pk", flat=True)
    )
    readers = list(User.objects.filter(is_active=True).order_by("pk").values_list("pk", "department_id"))
    if not articles or not readers:
        stdout.write("knowledge reading: skipped (no published articles or no users)")
        return
    n_articles, n_readers = len(articles), len(readers)

    def popular() -> int:
        return articles[int(n_articles * rng.random() ** 3)]

    seen: set[tuple[int, int, int]] = set()
    views: list[tuple] = []
    for _ in range(sizes["articles"] * VIEWS_PER_ARTICLE):
        reader_id, department_id = readers[rng.randrange(n_readers)]
        key = (popular(), reader_id, rng.randrange(READING_SPAN_DAYS))
        if key not in seen:
            seen.add(key)
            views.append((key[0], reader_id, department_id, today - timedelta(days=key[2])))
    _insert(ArticleView, ["article_id", "user_id", "department_id", "viewed_on"], views)

    answered: dict[tuple[int, int], tuple] = {}
    for article_id, user_id, department_id, day in views[::FEEDBACK_EVERY]:
        at = timezone.make_aware(datetime.combine(day, time(9)) + timedelta(minutes=rng.randint(0, 600)))
        answered[(article_id, user_id)] = (article_id, user_id, department_id, rng.random() < 0.75, "", min(at, now))
    columns = ["article_id", "user_id", "department_id", "helpful", "comment", "created_at"]
    _insert(ArticleFeedback, columns, list(answered.values()))

    missing = [normalize(w) for w in MISSING_TOPICS]
    words = [normalize(w) for w in [*TOPICS, *SEARCH_WORDS]]
    searches = []
    for _ in range(n_readers * SEARCHES_PER_USER):
        if rng.random() < NO_RESULT_SHARE:
            query, hits = missing[int(len(missing) * rng.random() ** 2)], 0
        else:
            query = words[int(len(words) * rng.random() ** 2)]
            hits = rng.randint(1, 800)
        when = now - timedelta(seconds=rng.randrange(READING_SPAN_DAYS * 86_400))
        searches.append((query, "", hits, readers[rng.randrange(n_readers)][1], when))
    _insert(SearchQuery, ["query", "kinds", "result_count", "department_id", "created_at"], searches)
    stdout.write(
        f"knowledge reading: {len(views):,} article views, {len(answered):,} helpful answers, "
        f"{len(searches):,} searches logged"
    )


@contextmanager
def _explicit_created_at(*models) -> Iterator[None]:
    """bulk_create would overwrite created_at (auto_now_add); history needs older dates."""
    fields = [model._meta.get_field("created_at") for model in models]
    saved = [field.auto_now_add for field in fields]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field, value in zip(fields, saved, strict=True):
            field.auto_now_add = value


def _categories() -> list[Category]:
    by_name: dict[str, Category] = {}
    for top_level in (True, False):
        rows = [
            Category(name=name, parent=by_name.get(parent) if parent else None, sort_order=order)
            for order, (name, parent) in enumerate(CATEGORIES)
            if (parent is None) == top_level
        ]
        for category in Category.objects.bulk_create(rows):
            by_name[category.name] = category
    return list(by_name.values())


def _tags() -> list[Tag]:
    names = sorted({t for spec in ARTICLES for t in spec["tags"]} | set(TOPICS))
    return Tag.objects.bulk_create([Tag(name=name[:50]) for name in names])


def _articles(count: int, *, owners: list[int], categories: list[Category], departments: list[str], rng, now):
    today = timezone.localdate()
    span = timedelta(days=4 * 365)
    statuses = [Article.Status.PUBLISHED] * 17 + [Article.Status.DRAFT, Article.Status.REVIEW, Article.Status.ARCHIVED]
    for i in range(count):
        created_at = now - span * (1 - i / max(count, 1)) + timedelta(minutes=rng.randint(0, 600))
        updated_at = min(now, created_at + timedelta(days=rng.randint(0, 400)))
        fy = updated_at.year if updated_at.month >= 4 else updated_at.year - 1
        values = {
            "topic": rng.choice(TOPICS),
            "dept": rng.choice(departments),
            "fy": fy,
            "ext": rng.randint(2000, 2999),
            "month": rng.randint(1, 12),
        }
        spec = rng.choice(ARTICLES)
        lead = LEADS[i % len(LEADS)].format(**values)
        extra = rng.choice(EXTRA_SECTIONS).format(**values)
        body = "\n\n".join([lead, spec["body"].strip(), extra])
        # Rendering 25,000 bodies is the slow part: the shared middle is rendered once per demo article.
        text = " ".join([lead, _plain(spec["body"]), _unmark(extra)])
        status = rng.choice(statuses)
        stale = status == Article.Status.PUBLISHED and rng.random() < 0.1
        review_by = (
            today - timedelta(days=rng.randint(1, 200)) if stale else today + timedelta(days=rng.randint(1, 365))
        )
        yield (
            Article(
                title=rng.choice(TITLE_FORMS).format(**values)[:200],
                body=body,
                excerpt=text[:159] + "…" if len(text) > 160 else text,
                category=rng.choice(categories),
                status=status,
                owner_id=rng.choice(owners),
                review_by=review_by,
                version=2 if rng.random() < 0.2 else 1,
                # Popular articles are few: a long tail of views.
                view_count=int(rng.paretovariate(1.2) * 10) if status == Article.Status.PUBLISHED else 0,
                created_at=created_at,
                updated_at=updated_at,
                updated_by_id=None,
                published_at=updated_at if status != Article.Status.DRAFT else None,
            ),
            spec,
            text,
        )


def _unmark(text: str) -> str:
    """Plain text of the extra sections, which use only headings and list items."""
    return " ".join(re.sub(r"^(## |- )", "", line) for line in text.split("\n") if line.strip())


@cache
def _plain(body: str) -> str:
    return markdown_to_text(body)


def _revisions(articles: list[Article]) -> list[ArticleRevision]:
    rows = []
    for article in articles:
        for number in range(1, article.version + 1):
            first_body = article.body.rsplit("\n\n", 1)[0] if number < article.version else article.body
            rows.append(
                ArticleRevision(
                    article=article,
                    number=number,
                    title=article.title,
                    body=first_body,
                    editor_id=article.owner_id,
                    note="初版" if number == 1 else "補足を追加",
                    created_at=article.created_at if number == 1 else article.updated_at,
                )
            )
    return rows


def _index(
    articles: list[Article], categories: dict[int, str], tags_of: dict[int, list[str]], texts: dict[int, str]
) -> int:
    from apps.search.registry import Audience, SearchDoc
    from apps.search.services import search_documents_bulk_put

    items = [
        (
            a.pk,
            SearchDoc(
                title=a.title,
                body=texts[a.pk],
                url=a.get_absolute_url(),
                updated_at=a.updated_at,
                audience=Audience.ALL,
                meta=[categories[a.category_id], *tags_of[a.pk]],
            ),
        )
        for a in articles
        if a.status == Article.Status.PUBLISHED
    ]
    return search_documents_bulk_put(kind="article", items=items)


def seed(*, sizes: dict[str, int], stdout) -> None:
    rng = random.Random(20260403)
    now = timezone.now()
    owners = list(
        User.objects.filter(groups__name=Role.COE, is_active=True).values_list("pk", flat=True).order_by("pk")
    ) or list(User.objects.values_list("pk", flat=True).order_by("pk")[:20])
    if not owners:
        stdout.write("knowledge: no users; skipped")
        return
    departments = list(Department.objects.values_list("name_ja", flat=True)[:200]) or ["DX推進課"]
    categories = _categories()
    category_names = {c.pk: c.name for c in categories}
    tags = _tags()
    tag_by_name = {t.name: t for t in tags}
    ArticleTags = Article.tags.through
    rows = _articles(sizes["articles"], owners=owners, categories=categories, departments=departments, rng=rng, now=now)
    created = revisions = indexed = 0
    with _explicit_created_at(ArticleRevision, Article):
        while batch := list(islice(rows, BATCH)):
            articles = Article.objects.bulk_create([a for a, _spec, _text in batch], batch_size=BATCH)
            links, tags_of, texts = [], {}, {}
            for article, (_article, spec, text) in zip(articles, batch, strict=True):
                texts[article.pk] = text
                names = [*spec["tags"][:3], *[t for t in TOPICS if t in article.title][:1]]
                names = list(dict.fromkeys(n[:50] for n in names))
                tags_of[article.pk] = names
                links.extend(ArticleTags(article_id=article.pk, tag_id=tag_by_name[n].pk) for n in names)
            ArticleTags.objects.bulk_create(links, batch_size=BATCH)
            revisions += len(ArticleRevision.objects.bulk_create(_revisions(articles), batch_size=BATCH))
            indexed += _index(articles, category_names, tags_of, texts)
            created += len(articles)
    stdout.write(f"knowledge: {created:,} articles, {revisions:,} revisions, {indexed:,} indexed for search")
    seed_reading(sizes=sizes, stdout=stdout)
