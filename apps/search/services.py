"""Writes to the search index. Feature apps call `search_index_update(obj=…)` from their own
services after every change that may change what is findable; the registered
`SearchableType.document()` decides (None = not findable, e.g. a draft → removed)."""

import logging
import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from apps.core.text import normalize
from apps.search import backends
from apps.search.models import SearchDocument, SearchQuery
from apps.search.registry import Audience, SearchableType, SearchDoc, searchable_all, searchable_for_model
from apps.search.resultcache import index_changed

logger = logging.getLogger(__name__)

REINDEX_BATCH = 500
_KEY_SHIFT = 31
_KEY_MASK = (1 << _KEY_SHIFT) - 1
_INDEXED_FIELDS = ("pk", "sort_key", "norm_title", "norm_body")


def sort_key_for(*, kind: str, object_id: int, updated_at: datetime) -> int:
    """Newest first as one integer: updated_at in seconds, then a stable hash of the object."""
    seconds = max(0, int(updated_at.timestamp()))
    return (seconds << _KEY_SHIFT) | (zlib.crc32(f"{kind}:{object_id}".encode()) & _KEY_MASK)


def _free_sort_keys(keys: list[int], *, exclude_pk: int | None = None) -> list[int]:
    """Move keys off any key already taken (a hash collision within one second: rare)."""
    taken = set(
        SearchDocument.objects.filter(sort_key__in=keys).exclude(pk=exclude_pk).values_list("sort_key", flat=True)
    )
    result: list[int] = []
    for key in keys:
        while key in taken or key in result:
            key += 1
            if SearchDocument.objects.filter(sort_key=key).exclude(pk=exclude_pk).exists():
                taken.add(key)
        result.append(key)
    return result


def _document_fields(kind: str, doc: SearchDoc) -> dict:
    if doc.audience not in (Audience.ALL, Audience.COE):
        raise ValueError(f"unknown audience {doc.audience!r}")
    title = doc.title[:300]
    norm_title, norm_body = normalize(title), normalize(doc.body)
    postgresql = backends.vendor() == "postgresql"
    return {
        "title": title,
        "body": doc.body,
        "url": doc.url,
        "audience": doc.audience,
        "department_id": doc.department_id,
        "meta": [str(item) for item in doc.meta],
        "updated_at": doc.updated_at,
        "norm_title": norm_title,
        "norm_body": norm_body,
        "vector": backends.tsvector_literal(norm_title, norm_body) if postgresql else None,
        "title_vector": backends.title_tsvector_literal(norm_title) if postgresql else None,
    }


def _indexed(document: SearchDocument) -> backends.IndexedRow:
    return backends.IndexedRow(document.sort_key, document.norm_title, document.norm_body)


def search_document_put(*, kind: str, object_id: int, doc: SearchDoc) -> SearchDocument:
    """Insert or replace the document of one object (also used by tests and the benchmark)."""
    fields = _document_fields(kind, doc)
    with transaction.atomic():
        index_changed()
        existing = (
            SearchDocument.objects.select_for_update()
            .filter(kind=kind, object_id=object_id)
            .only(*_INDEXED_FIELDS)
            .first()
        )
        key = sort_key_for(kind=kind, object_id=object_id, updated_at=doc.updated_at)
        if existing is not None:
            backends.fts_delete([_indexed(existing)])
            if key != existing.sort_key:
                key = _free_sort_keys([key], exclude_pk=existing.pk)[0]
            SearchDocument.objects.filter(pk=existing.pk).update(sort_key=key, indexed_at=timezone.now(), **fields)
            document = SearchDocument(pk=existing.pk, kind=kind, object_id=object_id, sort_key=key, **fields)
        else:
            key = _free_sort_keys([key])[0]
            document = SearchDocument.objects.create(kind=kind, object_id=object_id, sort_key=key, **fields)
        backends.fts_insert([_indexed(document)])
    return document


def search_document_delete(*, kind: str, object_id: int) -> bool:
    with transaction.atomic():
        existing = list(
            SearchDocument.objects.select_for_update().filter(kind=kind, object_id=object_id).only(*_INDEXED_FIELDS)
        )
        if not existing:
            return False
        index_changed()
        backends.fts_delete([_indexed(d) for d in existing])
        SearchDocument.objects.filter(pk__in=[d.pk for d in existing]).delete()
    return True


def _searchable(obj) -> SearchableType | None:
    return searchable_for_model(obj._meta.label_lower)


def search_index_update(*, obj) -> None:
    """Index obj as its registered type describes it now, or remove it when that type says
    it must not be findable (draft, in review, hidden …). Call inside the caller's transaction:
    the index changes and rolls back with the content."""
    searchable = _searchable(obj)
    if searchable is None:
        logger.warning("search_index_update: %s is not a registered searchable model", obj._meta.label_lower)
        return
    doc = searchable.document(obj)
    if doc is None:
        search_document_delete(kind=searchable.key, object_id=obj.pk)
    else:
        search_document_put(kind=searchable.key, object_id=obj.pk, doc=doc)


def search_index_remove(*, obj) -> None:
    """Remove obj from the index (call before or after deleting it; its pk is all that is used)."""
    searchable = _searchable(obj)
    if searchable is None:
        return
    search_document_delete(kind=searchable.key, object_id=obj.pk)


def search_documents_bulk_put(*, kind: str, items: Sequence[tuple[int, SearchDoc]]) -> int:
    """Insert documents that are not yet indexed, in one go (reindexing, benchmark data)."""
    if not items:
        return 0
    with transaction.atomic():
        index_changed()
        keys = _free_sort_keys(
            [sort_key_for(kind=kind, object_id=object_id, updated_at=doc.updated_at) for object_id, doc in items]
        )
        documents = [
            SearchDocument(kind=kind, object_id=object_id, sort_key=key, **_document_fields(kind, doc))
            for (object_id, doc), key in zip(items, keys, strict=True)
        ]
        SearchDocument.objects.bulk_create(documents, batch_size=REINDEX_BATCH)
        backends.fts_insert(_indexed(d) for d in documents)
    return len(documents)


def _iterate(queryset) -> Iterable:
    if hasattr(queryset, "iterator"):
        return queryset.iterator(chunk_size=REINDEX_BATCH)
    return queryset


def search_reindex(*, kinds: Sequence[str] | None = None) -> int:
    """Rebuild the index of the given registered types (all by default) from their querysets.
    Documents of types no longer registered are dropped when reindexing everything.
    Returns how many documents are indexed afterwards."""
    types = [t for t in searchable_all() if kinds is None or t.key in kinds]
    unknown = set(kinds or []) - {t.key for t in types}
    if unknown:
        raise ValueError(f"unknown searchable types: {', '.join(sorted(unknown))}")
    total = 0
    with transaction.atomic():
        index_changed()
        if kinds is None:
            backends.fts_clear()
            SearchDocument.objects.all().delete()
        else:
            for searchable in types:
                stale = SearchDocument.objects.filter(kind=searchable.key).only(*_INDEXED_FIELDS)
                backends.fts_delete(_indexed(d) for d in stale.iterator(chunk_size=REINDEX_BATCH))
                stale.delete()
        for searchable in types:
            batch: list[tuple[int, SearchDoc]] = []
            for obj in _iterate(searchable.queryset()):
                doc = searchable.document(obj)
                if doc is not None:
                    batch.append((obj.pk, doc))
                if len(batch) >= REINDEX_BATCH:
                    total += search_documents_bulk_put(kind=searchable.key, items=batch)
                    batch = []
            total += search_documents_bulk_put(kind=searchable.key, items=batch)
    return total


def search_query_log(*, query: str, kinds: Sequence[str], result_count: int, department_id: int | None) -> None:
    """Record one search of the search page: normalised words, hits and department only.

    On PostgreSQL the row is committed without waiting for the disk (synchronous_commit off
    for this statement only): a crash may lose the last few log rows, never other data, and
    the search page does not wait for an fsync."""
    values = {
        "query": normalize(query)[:200],
        "kinds": ",".join(kinds)[:200],
        "result_count": result_count,
        "department_id": department_id,
    }
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        SearchQuery.objects.create(**values)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL synchronous_commit = off; INSERT INTO search_searchquery "
            "(query, kinds, result_count, department_id, created_at) VALUES (%s, %s, %s, %s, %s)",
            [*values.values(), timezone.now()],
        )
