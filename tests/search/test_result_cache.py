"""Search result pages come from the cache only while the index has not changed: after
every way of writing the index the cached page equals a fresh search, a page made for the
COE never reaches other staff, and what a rolled-back transaction wrote never shows.

These tests run outside a test transaction (the cache is skipped inside one)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import Role
from apps.search.registry import Audience
from apps.search.selectors import recent, search, similar
from apps.search.services import search_document_delete, search_reindex
from tests.factories import UserFactory
from tests.search.conftest import Note

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.SEARCH_RESULT_CACHE_SECONDS = 600


def _page(results) -> tuple:
    return ([(h.kind, h.object_id, h.title, h.in_title) for h in results.hits], results.total, results.total_capped)


def _fresh(settings, call):
    settings.SEARCH_RESULT_CACHE_SECONDS = 0
    try:
        return _page(call())
    finally:
        settings.SEARCH_RESULT_CACHE_SECONDS = 600


def _matching(queries) -> bool:
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    return "search_fts" in sql or "@@" in sql


def test_a_repeated_search_is_not_matched_again_until_the_index_changes(put_note):
    user = UserFactory()
    put_note(Note("a", "粗大ごみの出し方", "予約して出します"), 1)
    first = _page(search("粗大ゴミ", user=user))
    with CaptureQueriesContext(connection) as queries:
        again = _page(search("粗大ゴミ", user=user))
    assert again == first
    assert not _matching(queries)  # only the documents were read
    put_note(Note("b", "粗大ごみ収集の変更", "新しい日程"), 2)
    with CaptureQueriesContext(connection) as queries:
        after = _page(search("粗大ゴミ", user=user))
    assert _matching(queries)
    assert [hit[1] for hit in after[0]] == [2, 1] and after[1] == 2  # the new one, newest first


def test_every_write_of_the_index_shows_at_once(put_note, settings):
    user = UserFactory()
    coe = UserFactory(roles=[Role.COE])
    queries = ["申請", "電子申請", "ごみ", "市", "予約 申請"]

    def check(step: str) -> None:
        for who in (user, coe):
            for words in queries:
                cached = _page(search(words, user=who))
                assert cached == _fresh(settings, lambda w=words, u=who: search(w, user=u)), (step, words)
                assert _page(search(words, user=who)) == cached  # and again, now from the cache
            assert _page(recent(user=who)) == _fresh(settings, lambda u=who: recent(user=u)), step

    put_note(Note("a", "電子申請の手引き", "ごみの収集を予約する"), 1)
    put_note(Note("b", "市の窓口", "申請書の書き方", days_ago=3), 2)
    check("first documents")
    put_note(Note("c", "COE の申請メモ", "内部向け", audience=Audience.COE), 3)
    check("a document for the COE only")
    assert 3 not in [hit.object_id for hit in search("申請", user=user).hits]
    put_note(Note("b", "市の窓口", "届出の書き方", days_ago=3), 2)
    check("an edit drops a word")
    put_note(Note("d", "粗大ごみ", "電子申請で予約", days_ago=10), 4)
    check("an older document")
    search_document_delete(kind="test-note", object_id=1)
    check("a deletion")
    search_reindex(kinds=["test-announcement"])
    check("a reindex")


def test_what_a_rolled_back_transaction_wrote_is_never_served(put_note):
    user = UserFactory()
    put_note(Note("a", "電子申請の手引き", "本文"), 1)
    assert [hit.object_id for hit in search("申請", user=user).hits] == [1]

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        put_note(Note("b", "申請の新しい方法", "本文"), 2)
        # Inside the transaction its own write is visible, and nothing is cached from it.
        assert [hit.object_id for hit in search("申請", user=user).hits] == [2, 1]
        raise Undo
    results = search("申請", user=user)
    assert [hit.object_id for hit in results.hits] == [1] and results.total == 1


def _similar(text: str, user, **kwargs) -> list:
    return [(h.kind, h.object_id, h.title) for h in similar(text, user=user, **kwargs)]


def test_similar_documents_follow_every_change_of_the_index(put_note, settings):
    """The article page's "similar articles" and the similar ideas while typing: the same
    as a fresh ranking after each write, and a document for the COE stays the COE's."""
    user = UserFactory()
    coe = UserFactory(roles=[Role.COE])
    text = "粗大ごみの収集を電子申請で予約する"

    def check(step: str) -> None:
        for who in (user, coe):
            cached = _similar(text, who)
            settings.SEARCH_RESULT_CACHE_SECONDS = 0
            fresh = _similar(text, who)
            settings.SEARCH_RESULT_CACHE_SECONDS = 600
            assert cached == fresh, step
            with CaptureQueriesContext(connection) as queries:
                assert _similar(text, who) == cached, step
            assert not _matching(queries), step  # the ranking came from the cache

    put_note(Note("a", "粗大ごみの電子申請", "収集日を予約する"), 1)
    put_note(Note("b", "粗大ごみの収集", "電話で予約"), 2)
    check("two documents")
    assert [hit[1] for hit in _similar(text, user)] == [1, 2]
    put_note(Note("c", "粗大ごみ電子申請の内部手順", "予約の確認", audience=Audience.COE), 3)
    check("a document for the COE only")
    assert 3 in [hit[1] for hit in _similar(text, coe)] and 3 not in [hit[1] for hit in _similar(text, user)]
    put_note(Note("a", "粗大ごみの電子申請", "受付を終了しました"), 1)
    check("an edit")
    search_document_delete(kind="test-note", object_id=2)
    check("a deletion")
    assert 2 not in [hit[1] for hit in _similar(text, user)]
