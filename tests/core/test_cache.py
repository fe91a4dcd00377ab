import os

import pytest
from django.core.cache import caches

from apps.core.cache import RedisCache

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")


def test_redis_cache_reuses_one_client_and_still_reads_and_writes():
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "test-client-reuse"})
    cache.set("a", {"value": 1}, 30)
    cache.set_many({"b": 2, "c": 3}, 30)
    assert cache.get("a") == {"value": 1}
    assert cache.get_many(["b", "c", "missing"]) == {"b": 2, "c": 3}
    cache.delete_many(["a", "b", "c"])
    assert cache.get("a") is None
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    assert caches["default"].__class__ is RedisCache  # what settings use with REDIS_URL


def test_clear_deletes_only_this_caches_keys():
    """REDIS_URL's database also holds Celery's queues (and, in tests, other processes' keys):
    clearing the cache must not flush it."""
    mine = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "test-clear-mine"})
    other = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "test-clear-other"})
    raw = mine._cache.get_client(write=True)
    mine.set_many({f"k{i}": i for i in range(2500)}, 60)  # more than one SCAN/DEL batch
    mine.set("old", 1, 60, version=2)
    other.set("k1", "kept", 60)
    raw.set("test-clear-broker-queue", b"message", ex=60)
    try:
        mine.clear()
        assert mine.get_many([f"k{i}" for i in range(2500)]) == {}
        assert mine.get("old", version=2) is None
        assert other.get("k1") == "kept"
        assert raw.get("test-clear-broker-queue") == b"message"
    finally:
        other.clear()
        raw.delete("test-clear-broker-queue")
