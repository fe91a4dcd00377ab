"""Search result pages (which documents, in which order, how many) and the ranking of
similar documents kept in the cache under the version of the index they were read from.

A page repeats exactly: the same words, content types, audiences and position give the
same ids until the index changes, and every write of the index (apps.search.services)
calls `index_changed()`, which gives the index a new version, once at the write and once
after its commit. A reader between the two may cache what it saw under the middle version,
but the state it saw is the state of that version: before the commit the old documents, and
a rollback keeps them. The documents themselves (titles, snippets) are always read fresh.

Two limits keep it exact: only with a cache every process shares (settings turn it off
with the per-process cache of a Redis-less setup), and never inside a transaction, which
could read its own uncommitted index writes and then roll them back.
"""

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from apps.search.matching import MatchPage

T = TypeVar("T")

VERSION_KEY = "search:index-version"
# Part of every key: a deploy that changes how pages are found starts with an empty cache.
FORMAT = 1


def index_changed() -> None:
    cache.delete(VERSION_KEY)
    transaction.on_commit(lambda: cache.delete(VERSION_KEY))


def _version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        # A new random version, never a counter that could come back after the key is lost.
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    return version


def cached_value(what: str, compute: Callable[[], T], **arguments) -> T:
    """compute() once per index version for these arguments (JSON-able); its result must be
    a plain value (lists, numbers, strings) that depends on the index alone."""
    seconds = settings.SEARCH_RESULT_CACHE_SECONDS
    if not seconds or connection.in_atomic_block:
        return compute()
    version = _version()
    if version is None:  # dropped again at once (a write, or a full cache): read afresh
        return compute()
    digest = hashlib.sha256(json.dumps([what, arguments], sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    key = f"search:page:{FORMAT}:{version}:{digest}"
    stored = cache.get(key)
    if stored is not None:
        return stored
    value = compute()
    cache.set(key, value, seconds)
    return value


def cached_page(what: str, find: Callable[[], MatchPage], **arguments) -> MatchPage:
    """find() once per index version for these arguments (JSON-able: words, kinds, audiences,
    offset, limit)."""

    def plain() -> tuple:
        page = find()
        return page.ids, sorted(page.title_ids), page.total, page.capped

    ids, title_ids, total, capped = cached_value(what, plain, **arguments)
    return MatchPage(ids=list(ids), title_ids=set(title_ids), total=total, capped=capped)
