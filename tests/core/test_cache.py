import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.test import RequestFactory
from django_ratelimit.core import is_ratelimited

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import user_roles_set
from apps.core.cache import RedisCache

ROOT = Path(__file__).resolve().parents[2]
needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")


def caches_of_release(release: str, var_dir: Path) -> dict:
    """CACHES as the settings module builds them for a node of `release` (with this run's
    REDIS_URL, if any; else the embedded file caches in `var_dir`)."""
    env = {**os.environ, "PORTAL_RELEASE": release, "PORTAL_VAR_DIR": str(var_dir)}
    code = "from django.conf import settings; import json; print(json.dumps(settings.CACHES))"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_a_new_release_renders_afresh_but_drops_roles_the_old_one_cached(settings, tmp_path, user_factory):
    """Rolling deploy: nodes of two releases share the cache. What the old release cached
    (whose shape its code chose) is not read by the new release; a role removed by a node
    of the new release is gone for the old release's nodes too."""
    old, new = caches_of_release("2026.11.0", tmp_path), caches_of_release("2026.12.0", tmp_path)
    key = f"test:{uuid.uuid4().hex}"
    user = user_factory(roles=[Role.COE])

    settings.CACHES = old
    caches["default"].set(key, ["old", "shape"])
    assert User.objects.get(pk=user.pk).roles == {"staff", "coe"}  # cached by the old node

    settings.CACHES = new
    assert caches["default"].get(key) is None
    caches["default"].set(key, {"new": "shape"})
    user_roles_set(user=User.objects.get(pk=user.pk), roles=[], source="test")

    settings.CACHES = old
    assert User.objects.get(pk=user.pk).roles == {"staff"}
    assert caches["default"].get(key) == ["old", "shape"]


@pytest.mark.django_db
def test_rate_limits_count_in_the_shared_state_cache_whatever_the_release(settings, tmp_path, user_factory):
    """django-ratelimit accepts the cache the settings give it (Redis, or the embedded file
    cache), and its counters are not reset by a deploy."""
    user = user_factory()
    request = RequestFactory().post("/ideas/1/vote/")
    request.user = user
    group = f"test-{uuid.uuid4().hex}"
    old, new = caches_of_release("2026.11.0", tmp_path), caches_of_release("2026.12.0", tmp_path)

    def limited(config: dict) -> bool:
        settings.CACHES = config
        return is_ratelimited(request, group=group, key="user", rate="2/h", method="POST", increment=True)

    assert [limited(old), limited(old), limited(new)] == [False, False, True]
    assert settings.RATELIMIT_USE_CACHE == "state"


@pytest.mark.django_db
def test_behind_the_tls_proxy_sign_in_limits_count_per_person_not_per_proxy(settings):
    """Before sign-in the limit is per address. Behind the TLS proxy every request comes from
    the proxy: the address that counts is the one the proxy appended to X-Forwarded-For."""
    settings.RATELIMIT_IP_META_KEY = "apps.core.middleware.client_address"
    group = f"test-{uuid.uuid4().hex}"

    def limited(forwarded: str) -> bool:
        request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
        request.user = AnonymousUser()
        return is_ratelimited(request, group=group, key="ip", rate="1/h", method="POST", increment=True)

    assert limited("203.0.113.9:51234") is False
    assert limited("198.51.100.7:40000") is False  # someone else behind the same proxy
    assert limited("[2001:db8::1]:443") is False
    assert limited("6.6.6.6, 203.0.113.9:51235") is True  # the first again, whatever it prepends


@needs_redis
def test_the_redis_cache_reads_and_writes_and_is_what_the_settings_use():
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "test-client-reuse"})
    cache.set("a", {"value": 1}, 30)
    cache.set_many({"b": 2, "c": 3}, 30)
    assert cache.get("a") == {"value": 1}
    assert cache.get_many(["b", "c", "missing"]) == {"b": 2, "c": 3}
    cache.delete_many(["a", "b", "c"])
    assert cache.get("a") is None
    assert caches["default"].__class__ is RedisCache  # what settings use with REDIS_URL
    assert caches["state"].__class__ is RedisCache


@needs_redis
def test_clear_deletes_only_this_caches_keys():
    """REDIS_URL's database also holds Celery's queues (and, in tests, other processes' keys):
    clearing the cache must not flush it."""
    mine = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "test-clear-mine"})
    other = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "test-clear-other"})
    raw = redis.Redis.from_url(os.environ["REDIS_URL"])
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
