import logging

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from apps.search import services
from apps.search.models import SearchDocument
from apps.search.registry import SearchDoc
from apps.search.selectors import search
from apps.search.services import (
    search_document_delete,
    search_index_remove,
    search_index_update,
    search_reindex,
)
from tests.factories import AnnouncementFactory, UserFactory
from tests.search.conftest import NOW, Note


def _found(query, user, kind="test-announcement") -> list[int]:
    return [hit.object_id for hit in search(query, user=user).hits if hit.kind == kind]


def test_update_indexes_replaces_and_removes(searchable_types):
    user = UserFactory()
    announcement = AnnouncementFactory(title="粗大ゴミの出し方", body="電子申請で予約")
    search_index_update(obj=announcement)
    assert _found("粗大ごみ", user) == [announcement.pk]

    # Edited: the old words are no longer found, the new ones are; still one document.
    announcement.title = "資源ごみの日"
    announcement.body = "毎週水曜日"
    announcement.save()
    search_index_update(obj=announcement)
    assert _found("粗大ごみ", user) == []
    assert _found("申請", user) == []
    assert _found("水曜", user) == [announcement.pk]
    assert SearchDocument.objects.filter(kind="test-announcement").count() == 1

    # Back to draft: its document() is None, so it leaves the index.
    announcement.title = "[draft] 資源ごみの日"
    search_index_update(obj=announcement)
    assert _found("水曜", user) == []
    assert not SearchDocument.objects.filter(kind="test-announcement").exists()

    announcement.title = "資源ごみの日"
    search_index_update(obj=announcement)
    assert _found("水曜", user) == [announcement.pk]
    search_index_remove(obj=announcement)
    assert _found("水曜", user) == []
    search_index_remove(obj=announcement)  # removing twice is fine


def test_the_index_rolls_back_with_the_content(searchable_types):
    user = UserFactory()
    announcement = AnnouncementFactory(title="ごみ", body="")
    with pytest.raises(RuntimeError), transaction.atomic():
        search_index_update(obj=announcement)
        assert _found("ごみ", user) == [announcement.pk]
        raise RuntimeError
    assert _found("ごみ", user) == []


def test_an_unregistered_model_is_ignored_with_a_warning(db, caplog):
    with caplog.at_level(logging.WARNING, logger="apps.search.services"):
        search_index_update(obj=UserFactory())
    assert "not a registered searchable model" in caplog.text
    assert not SearchDocument.objects.exists()


def test_same_second_hash_collision_gets_the_next_key(put_note, monkeypatch):
    monkeypatch.setattr(services, "sort_key_for", lambda **kwargs: 12345 << 31)
    first = put_note(Note("a", "ごみ一", "x"), 1)
    second = put_note(Note("b", "ごみ二", "x"), 2)
    assert {first.sort_key, second.sort_key} == {12345 << 31, (12345 << 31) + 1}
    assert sorted(h.object_id for h in search("ごみ", user=UserFactory()).hits) == [1, 2]


def test_reindex_rebuilds_from_the_registered_querysets(searchable_types, put_note):
    user = UserFactory()
    public = AnnouncementFactory(title="ごみ収集", body="")
    AnnouncementFactory(title="[draft] ごみ袋", body="")
    put_note(Note("stale", "ごみメモ", ""), 1)  # test-note's queryset is empty: reindexing all drops it
    assert search_reindex(kinds=["test-announcement"]) == 1
    assert sorted(h.kind for h in search("ごみ", user=user).hits) == ["test-announcement", "test-note"]
    assert search_reindex() == 1
    assert [(h.kind, h.object_id) for h in search("ごみ", user=user).hits] == [("test-announcement", public.pk)]
    with pytest.raises(ValueError, match="unknown"):
        search_reindex(kinds=["nope"])


def test_reindex_command(searchable_types, capsys):
    AnnouncementFactory(title="お知らせ", body="")
    call_command("search_reindex")
    assert "Indexed 1 documents." in capsys.readouterr().out
    call_command("search_reindex", "test-announcement")
    with pytest.raises(CommandError, match="Unknown content types: nope"):
        call_command("search_reindex", "nope")


def test_bulk_put_then_delete(searchable_types):
    items = [(n, SearchDoc(title=f"題{n}", body="共通の本文", url="/", updated_at=NOW)) for n in range(3)]
    assert services.search_documents_bulk_put(kind="test-note", items=items) == 3
    user = UserFactory()
    assert search("共通", user=user).total == 3
    assert search_document_delete(kind="test-note", object_id=1)
    assert not search_document_delete(kind="test-note", object_id=1)
    assert sorted(h.object_id for h in search("共通", user=user).hits) == [0, 2]


def test_unknown_audience_is_refused(searchable_types):
    with pytest.raises(ValueError, match="audience"):
        services.search_document_put(
            kind="test-note", object_id=1, doc=SearchDoc(title="x", body="", url="/", updated_at=NOW, audience="nobody")
        )
