"""PostgreSQL chooses each search's plan from ANALYZE's statistics (apps/search/matching.py):
a count through GIN or none, each ranking tier through GIN or a newest-first walk that may
stop short and hand over to GIN. Whatever the plan, the documents and their order must be
exactly those of the safe plan; the statistics only decide the cost."""

from datetime import timedelta

import pytest
from django.db import connection

from apps.search import matching
from apps.search.matching import COUNT_CAP, PgStats
from apps.search.registry import SearchDoc
from apps.search.selectors import search
from apps.search.services import search_documents_bulk_put
from tests.factories import UserFactory
from tests.search.conftest import NOW

pytestmark = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="plan choice exists on PostgreSQL only")

TITLES = ["粗大ごみの申請", "電子申請の手引き", "お知らせ", "ごみ収集日", "申請書の書き方", "研修の案内"]
BODIES = ["粗大ごみは電子申請で予約できます。", "住民票の写しの申請。", "ごみの分別と申請。", "研修を行います。"]
QUERIES = ["ごみ", "申請", "の", "ご", "電子申請", "ごみ 申請", "粗大ごみ", "研修", "書", "存在しない"]


@pytest.fixture(autouse=True)
def _no_cached_statistics():
    matching._stats_cache.clear()
    yield
    matching._stats_cache.clear()


@pytest.fixture
def documents(searchable_types):
    # Titles and bodies cycle with different periods, so each word is spread over old and new
    # documents, in titles and bodies, unevenly.
    items = [
        (
            n,
            SearchDoc(
                title=f"{TITLES[n % len(TITLES)]} {n}",
                body=BODIES[n % len(BODIES)],
                url=f"/n/{n}/",
                updated_at=NOW - timedelta(hours=n),
            ),
        )
        for n in range(60)
    ]
    search_documents_bulk_put(kind="test-note", items=items)


def _stats(share: float, rows: float) -> PgStats:
    # Every lexeme "listed" with the same frequency: every 1–2 character word looks common.
    class Every(dict):
        def get(self, key, default=None):
            return share

        def __contains__(self, key):
            return True

        def __getitem__(self, key):
            return share

    return PgStats(
        rows=rows,
        lexemes=Every(),
        floor=share,
        title_lexemes=Every(),
        title_floor=share,
        kinds={"test-note": 0.5, "test-announcement": 0.5},
        audiences={"all": 0.95, "coe": 0.05},
    )


def _pages(query, user):
    return [
        [(hit.object_id, hit.in_title) for hit in search(query, user=user, limit=7, offset=offset).hits]
        for offset in (0, 7, 14, 49)
    ]


@pytest.mark.parametrize(
    "plan",
    ["walk", "walk_cut_short", "gin"],
)
def test_every_plan_gives_the_same_pages(documents, monkeypatch, plan):
    user = UserFactory()
    monkeypatch.setattr(matching, "pg_stats", lambda: None)
    expected = {query: _pages(query, user) for query in QUERIES}
    assert expected["申請"][0][0][1] is True  # title matches first

    # Pretend every word is in far more than COUNT_CAP documents: no count, the tiers decide.
    monkeypatch.setattr(matching, "_surely_common", lambda *args: True)
    if plan == "walk":
        monkeypatch.setattr(matching, "pg_stats", lambda: _stats(share=0.9, rows=100_000))
    elif plan == "walk_cut_short":
        # Walks allowed a single row: each falls short and GIN finishes the tier.
        monkeypatch.setattr(matching, "GIN_TOP_N_MAX", 0)
        monkeypatch.setattr(matching, "WALK_MIN_ROWS", 1)
        monkeypatch.setattr(matching, "pg_stats", lambda: _stats(share=1e9, rows=1e-9))
    else:
        monkeypatch.setattr(matching, "pg_stats", lambda: _stats(share=1e-6, rows=100))
    for query in QUERIES:
        assert _pages(query, user) == expected[query], (plan, query)


def test_count_is_skipped_only_when_the_statistics_leave_no_doubt():
    stats = PgStats(
        rows=70_000,
        lexemes={"aaxqc": 0.15, "aa5jtabcwl": 0.24},  # 市, 申請
        floor=0.09,
        title_lexemes={},
        title_floor=0.005,
        kinds={"article": 0.61, "case": 0.32, "idea": 0.07},
        audiences={"all": 0.95, "coe": 0.05},
    )
    everything = ["article", "case", "idea"]
    assert matching._surely_common(["市"], stats, everything, ["all", "coe"])
    assert matching._surely_common(["申請"], stats, everything, ["all"])
    # Ideas are 7 % of the documents: 市 might be in none of them.
    assert not matching._surely_common(["市"], stats, ["idea"], ["all"])
    # Two common words need not occur together; rarer words are not listed; 3+ characters
    # are rechecked on the text, which the statistics know nothing about.
    assert not matching._surely_common(["市", "申請"], stats, everything, ["all"])
    assert not matching._surely_common(["筑"], stats, everything, ["all"])
    assert not matching._surely_common(["電子申請"], stats, everything, ["all"])


def test_statistics_are_read_from_analyze(documents):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchdocument")
    stats = matching.pg_stats()
    assert stats is not None
    assert stats.rows == 60
    from apps.search.backends import pg_term_lexemes

    # "の" is in four of the six titles, and in five of six documents (title or body).
    assert stats.title_lexemes[pg_term_lexemes("の")[0]] == pytest.approx(4 / 6, abs=0.02)
    assert stats.lexemes[pg_term_lexemes("の")[0]] == pytest.approx(5 / 6, abs=0.02)
    assert stats.kinds == {"test-note": 1.0}
    assert stats.audiences == {"all": 1.0}
    # 60 documents: no word is in more than COUNT_CAP of them.
    assert not matching._surely_common(["の"], stats, ["test-note"], ["all"])
    assert search("の", user=UserFactory()).total == 50 < COUNT_CAP
