"""The query table: which documents each query must find — and, because every row lists the
whole result, must not find. Runs on SQLite and, with DATABASE_URL, on PostgreSQL.

Besides the hand-written table, an oracle test checks hundreds of generated 1-, 2- and
3-character queries against LIKE '%term%' semantics computed in Python on the normalised text.
"""

import itertools

import pytest
from django.db import connection

from apps.core.text import normalize, query_terms
from apps.search.registry import Audience
from apps.search.selectors import search
from apps.search.services import search_index_update
from tests.factories import AnnouncementFactory, UserFactory
from tests.search.conftest import Note

COE = Audience.COE
CORPUS = [
    Note("sodai", "粗大ゴミの出し方", "粗大ごみは電子申請で予約できます。手数料は品目ごとに異なります。", days_ago=10),
    Note("sodai_hw", "粗大ｺﾞﾐ回収日のお知らせ", "ｶﾞｽ缶やｽﾌﾟﾚｰ缶は別の日に出してください。", days_ago=3),
    Note("denshi", "電子申請システムの導入", "住民票の写しの交付をオンラインで申請できるようにしました。", days_ago=5),
    Note(
        "ai_chat",
        "AIチャットボットで問い合わせ対応",
        "生成ＡＩを活用し、ゴミの分別に関する問い合わせに24時間応答します。",
        days_ago=1,
    ),
    Note(
        "rpa", "RPAによる給与事務の効率化", "年間1,200時間の削減。Power Apps と組み合わせて入力を自動化。", days_ago=20
    ),
    Note("coe_memo", "COE内部メモ：申請フローの見直し", "内部向けの検討資料です。", days_ago=2, audience=COE),
    Note("violin", "ヴァイオリン教室の案内", "文化振興課が主催する教室です。", days_ago=30),
    Note("phrase", "データ 活用 研修", "職員向けの研修を行います。", days_ago=7),
    Note("opendata", "オープンデータの公開", "統計を活用する手引き。", days_ago=8),
    Note("last_char", "受付時間", "詳しくは担当の鰻", days_ago=9),
    # 22,510 characters: past PostgreSQL's tsvector position limit (16,383).
    Note("long", "長い記事", "前置きの文章です。" * 2500 + "最後に粗大ゴミの話。", days_ago=40),
    Note("html", "<script>alert(1)</script> 注意", "本文に <b>タグ</b> と & 記号。", days_ago=50),
    Note("english", "Microsoft Teams guide", "How to use Teams chat for the COE. AI tools.", days_ago=60),
]
# Indexed through the registered type and search_index_update, as a feature app does.
ANNOUNCEMENTS = [
    ("ann_public", "ごみ収集日の変更", "来月から収集日が変わります。"),
    ("ann_draft", "[draft] ごみ袋の値上げ", "値上げ案"),
    ("ann_coe", "[COE] ごみ処理の内部検討", "検討中"),
]

GOMI = {"sodai", "sodai_hw", "ai_chat", "long", "ann_public"}
NO = {
    "sodai",
    "sodai_hw",
    "denshi",
    "ai_chat",
    "violin",
    "phrase",
    "opendata",
    "last_char",
    "long",
    "rpa",
    "ann_public",
}

# (query, who, types, the exact set of documents found)
TABLE = [
    # width and kana variants find each other
    ("粗大ごみ", "staff", None, {"sodai", "sodai_hw", "long"}),
    ("粗大ゴミ", "staff", None, {"sodai", "sodai_hw", "long"}),
    ("粗大ｺﾞﾐ", "staff", None, {"sodai", "sodai_hw", "long"}),
    ("ヴァイオリン", "staff", None, {"violin"}),
    ("ｳﾞｧｲｵﾘﾝ", "staff", None, {"violin"}),
    ("ゔぁいおりん", "staff", None, {"violin"}),
    ("がす", "staff", None, {"sodai_hw"}),
    ("ＡＩ", "staff", None, {"ai_chat", "english"}),
    ("ai", "staff", None, {"ai_chat", "english"}),
    ("TEAMS", "staff", None, {"english"}),
    ("１，２００", "staff", None, {"rpa"}),
    ("ｿﾀﾞｲ", "staff", None, set()),  # no reading is indexed: kana never matches kanji
    # two-character words, also inside longer words
    ("ごみ", "staff", None, GOMI),
    ("ゴミ", "staff", None, GOMI),
    ("申請", "staff", None, {"sodai", "denshi"}),
    ("時間", "staff", None, {"rpa", "ai_chat", "last_char"}),
    # one character, including one that occurs only as the last character of a text
    ("鰻", "staff", None, {"last_char"}),
    ("時", "staff", None, {"rpa", "ai_chat", "last_char"}),
    ("缶", "staff", None, {"sodai_hw"}),
    ("の", "staff", None, NO),
    # long words and phrases
    ("電子申請", "staff", None, {"sodai", "denshi"}),
    ("前置きの文章です。最後に粗大ゴミ", "staff", None, {"long"}),
    ('"データ 活用"', "staff", None, {"phrase"}),
    ("「データ 活用」", "staff", None, {"phrase"}),
    ("データ活用", "staff", None, set()),
    ("<b>", "staff", None, {"html"}),
    ("script", "staff", None, {"html"}),
    # several words: AND
    ("データ 活用", "staff", None, {"phrase", "opendata"}),
    ("ごみ 申請", "staff", None, {"sodai"}),
    ("ごみ　申請", "staff", None, {"sodai"}),  # ideographic space
    ("ごみ 申請 存在しない", "staff", None, set()),
    # permissions: drafts are never indexed, COE-only documents only for COE members
    ("draft", "coe", None, set()),
    ("値上げ", "coe", None, set()),
    ("内部", "staff", None, set()),
    ("内部", "coe", None, {"coe_memo", "ann_coe"}),
    ("申請", "coe", None, {"sodai", "denshi", "coe_memo"}),
    ("ごみ", "coe", None, GOMI | {"ann_coe"}),
    ("ごみ", "admin", None, GOMI),  # an administrator is not a COE member
    ("内部", "admin", None, set()),
    ("ごみ", "manager", None, GOMI),
    ("ごみ", "anonymous", None, set()),
    # content type filter
    ("ごみ", "staff", ["test-announcement"], {"ann_public"}),
    ("ごみ", "staff", ["test-note"], GOMI - {"ann_public"}),
    ("ごみ", "staff", ["unknown-type"], set()),  # only types that exist are searched
]


@pytest.fixture
def corpus(put_note, searchable_types) -> dict[int, str]:
    """Index the corpus; returns {SearchDocument.pk: name}."""
    names = {}
    for number, note in enumerate(CORPUS, start=1):
        names[put_note(note, number).pk] = note.name
    from apps.search.models import SearchDocument

    for name, title, body in ANNOUNCEMENTS:
        announcement = AnnouncementFactory(title=title, body=body)
        search_index_update(obj=announcement)
        document = SearchDocument.objects.filter(kind="test-announcement", object_id=announcement.pk).first()
        if document is not None:
            names[document.pk] = name
    return names


@pytest.fixture
def users(db):
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.roles import Role

    return {
        "staff": UserFactory(),
        "coe": UserFactory(roles=[Role.COE]),
        "manager": UserFactory(roles=[Role.MANAGER]),
        "admin": UserFactory(roles=[Role.ADMIN]),
        "anonymous": AnonymousUser(),
    }


def _names(results, corpus) -> list[str]:
    from apps.search.models import SearchDocument

    keys = {(d.kind, d.object_id): d.pk for d in SearchDocument.objects.all()}
    return [corpus[keys[(hit.kind, hit.object_id)]] for hit in results.hits]


@pytest.mark.parametrize(("query", "who", "types", "expected"), TABLE, ids=[f"{q}-{w}" for q, w, *_ in TABLE])
def test_query_table(corpus, users, query, who, types, expected):
    results = search(query, types=types, user=users[who], limit=50)
    found = _names(results, corpus)
    assert set(found) == expected, f"{connection.vendor}: {query!r} as {who}"
    assert len(found) == len(set(found))
    assert results.total == len(expected)
    assert not results.total_capped


def test_title_matches_first_then_newest(corpus, users):
    results = search("申請", user=users["coe"])
    # coe_memo (2 days) and denshi (5 days) have it in the title; sodai only in the body.
    assert _names(results, corpus) == ["coe_memo", "denshi", "sodai"]
    assert [hit.in_title for hit in results.hits] == [True, True, False]

    results = search("ごみ", user=users["staff"])
    assert _names(results, corpus) == ["ann_public", "sodai_hw", "sodai", "ai_chat", "long"]


def test_title_tier_needs_every_word_in_the_title(corpus, users):
    # sodai has ごみ in the title but 申請 only in the body: not a title match.
    results = search("ごみ 申請", user=users["staff"])
    assert [hit.in_title for hit in results.hits] == [False]


@pytest.mark.parametrize(
    ("query", "name", "title_html", "snippet_part"),
    [
        ("粗大ごみ", "sodai_hw", "<mark>粗大ｺﾞﾐ</mark>回収日のお知らせ", None),
        ("ｳﾞｧｲｵﾘﾝ", "violin", "<mark>ヴァイオリン</mark>教室の案内", None),
        ("ごみ 申請", "sodai", None, "粗大<mark>ごみ</mark>は電子<mark>申請</mark>で予約できます。"),
        ("がす", "sodai_hw", None, "<mark>ｶﾞｽ</mark>缶やｽﾌﾟﾚｰ缶"),
        ("ai", "english", None, "chat for the COE. <mark>AI</mark> tools."),
        ("script", "html", "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; 注意", None),
        ("タグ", "html", None, "本文に &lt;b&gt;<mark>タグ</mark>&lt;/b&gt; と &amp; 記号。"),
        ("粗大ごみ", "long", None, "最後に<mark>粗大ゴミ</mark>の話。"),
    ],
)
def test_highlight(corpus, users, query, name, title_html, snippet_part):
    results = search(query, user=users["staff"])
    hit = dict(zip(_names(results, corpus), results.hits, strict=True))[name]
    if title_html is not None:
        assert str(hit.title_html) == title_html
    if snippet_part is not None:
        assert snippet_part in str(hit.snippet_html)
        assert len(str(hit.snippet_html)) < 400


def test_long_body_snippet_is_a_window_around_the_match(corpus, users):
    results = search("最後に", user=users["staff"])
    snippet = str(results.hits[0].snippet_html)
    assert snippet.startswith("…")
    assert "<mark>最後に</mark>" in snippet


def _oracle_queries() -> list[str]:
    texts = [normalize(note.title) + " " + normalize(note.body[:200]) for note in CORPUS]
    queries: set[str] = set()
    for text in texts:
        for length in (1, 2, 3):
            for start in range(0, max(0, len(text) - length + 1)):
                piece = text[start : start + length]
                if " " not in piece:
                    queries.add(piece)
    # Pairs of words (AND) and some that match nothing.
    queries.update(f"{a} {b}" for a, b in itertools.islice(itertools.combinations(sorted(queries), 2), 0, 4000, 37))
    queries.update(["ぬ", "ぬぬ", "ぬぬぬ", "zz", "x"])
    return sorted(queries)


def test_every_short_query_matches_like_on_the_normalised_text(corpus, users):
    """Exact for every query length: the index never misses or adds a document."""
    from apps.search.models import SearchDocument

    visible = {
        d.pk: (d.norm_title, d.norm_body)
        for d in SearchDocument.objects.filter(audience=Audience.ALL).only("pk", "norm_title", "norm_body")
    }
    keys = {(d.kind, d.object_id): d.pk for d in SearchDocument.objects.all()}
    failures = []
    queries = _oracle_queries()
    assert len(queries) > 300
    for query in queries:
        terms = query_terms(query)
        expected = {pk for pk, (t, b) in visible.items() if all(term in t or term in b for term in terms)}
        results = search(query, user=users["staff"], limit=100)
        found = {keys[(hit.kind, hit.object_id)] for hit in results.hits}
        if found != expected:
            failures.append((query, sorted(found), sorted(expected)))
    assert not failures, failures[:10]


def test_pages_cover_every_match_once(put_note, users):
    for number in range(45):
        title = "ごみの日" if number % 3 == 0 else "お知らせ"
        put_note(Note(f"n{number}", title, "ごみの出し方", days_ago=number), 1000 + number)
    seen = []
    for offset in (0, 20, 40):
        results = search("ごみ", user=users["staff"], limit=20, offset=offset)
        assert results.total == 45
        seen += [hit.object_id for hit in results.hits]
    assert len(seen) == 45 == len(set(seen))
    # The 15 title matches first, each group newest first.
    assert seen[:15] == [1000 + n for n in range(0, 45, 3)]
    assert seen[15:] == [1000 + n for n in range(45) if n % 3]
    assert search("ごみ", user=users["staff"], limit=20, offset=40).has_next is False


def test_count_stops_at_1000_and_common_words_still_rank_title_first(searchable_types, users):
    from datetime import timedelta

    from apps.search.registry import SearchDoc
    from apps.search.services import search_documents_bulk_put
    from tests.search.conftest import NOW

    # 1,005 documents with 共通 in the title and 本文 in the body; three older ones have 本文
    # in the title too, so for 本文 they come first although they are the oldest.
    items = [
        (n, SearchDoc(title=f"共通の話題 {n}", body="本文です", url=f"/n/{n}/", updated_at=NOW - timedelta(minutes=n)))
        for n in range(1005)
    ]
    items += [
        (n, SearchDoc(title=f"本文の書き方 {n}", body="本文", url=f"/n/{n}/", updated_at=NOW - timedelta(days=30 + n)))
        for n in range(2000, 2003)
    ]
    search_documents_bulk_put(kind="test-note", items=items)
    results = search("共通", user=users["staff"], limit=20)
    assert results.total_capped
    assert results.total_display == "1000+"
    assert [hit.object_id for hit in results.hits] == list(range(20))
    assert search("共通 1004", user=users["staff"]).total == 1

    for query in ("本文", "本文で", "本"):
        results = search(query, user=users["staff"], limit=5)
        expected_titles = [2000, 2001, 2002] if query != "本文で" else []
        assert results.total_capped, query
        assert [hit.object_id for hit in results.hits] == (expected_titles + list(range(5)))[:5], query
        # A later page continues the same order.
        later = search(query, user=users["staff"], limit=5, offset=5)
        assert [hit.object_id for hit in later.hits] == (expected_titles + list(range(10)))[5:10], query


def test_empty_and_too_long_queries(users):
    assert search("   ", user=users["staff"]).problem == "empty"
    assert search('""', user=users["staff"]).problem == "empty"
    assert search("あ" * 201, user=users["staff"]).problem == "too_long"
    assert search("あ" * 200, user=users["staff"]).problem == ""
