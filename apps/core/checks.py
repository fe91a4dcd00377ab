"""System checks of the portal's own deployment rules (`manage.py check --deploy`).

The settings module already refuses to start in production with local sign-in on, except
for the benchmark; these checks say the same to an operator who runs `check --deploy`, and
hold for settings that reach Django some other way."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# Cache backends whose incr() is atomic across processes (django-ratelimit counts with it).
ATOMIC_INCR_BACKENDS = frozenset(
    {
        "apps.core.cache.RedisCache",
        "django.core.cache.backends.redis.RedisCache",
        "django.core.cache.backends.memcached.PyMemcacheCache",
        "django.core.cache.backends.memcached.PyLibMCCache",
    }
)


@register(Tags.security, deploy=True)
def local_login_check(app_configs, **kwargs) -> list:
    if settings.DEBUG or not settings.PORTAL_LOCAL_LOGIN:
        return []
    loopback = bool(settings.ALLOWED_HOSTS) and set(settings.ALLOWED_HOSTS) <= set(settings.LOOPBACK_HOSTS)
    if getattr(settings, "PORTAL_BENCH", False) and loopback:
        return [
            Warning(
                "Local sign-in (PORTAL_LOCAL_LOGIN=1) is on in production mode: the demo account picker "
                "and password sign-in work for anyone who reaches the server.",
                hint="Allowed only for `make bench` (PORTAL_BENCH=1, this machine only). "
                "For a deployment leave PORTAL_LOCAL_LOGIN and PORTAL_BENCH empty.",
                id="portal.W001",
            )
        ]
    return [
        Error(
            "Local sign-in (PORTAL_LOCAL_LOGIN=1) is on in production mode: anyone can sign in as any "
            "demo account without Microsoft Entra ID.",
            hint="Leave PORTAL_LOCAL_LOGIN empty or set it to 0.",
            id="portal.E001",
        )
    ]


@register(Tags.caches, deploy=True)
def rate_limit_cache_check(app_configs, **kwargs) -> list:
    """django-ratelimit's own E003 is silenced for the embedded file cache (development);
    in production the counters must be shared and atomic (portal/settings.py)."""
    if settings.DEBUG:
        return []
    alias = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    if backend in ATOMIC_INCR_BACKENDS:
        return []
    return [
        Error(
            f"Rate limits count in the cache {alias!r} ({backend or 'missing'}), which has no atomic "
            "increment shared by every process.",
            hint="Set REDIS_URL.",
            id="portal.E002",
        )
    ]
