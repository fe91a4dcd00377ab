"""One settings module for every environment; environments differ only by variables.

Every variable is documented in `.env.example`. With nothing set the portal runs
in development mode on SQLite with a filesystem Celery broker. `DJANGO_DEBUG=0`
switches to production mode, which refuses to start without its secrets.
"""

import os
import re
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


class Env(environ.Env):
    """django-environ with the portal's one rule: an empty variable means its documented
    default. `.env.example` lists every variable, most of them empty; copied verbatim (as
    `.env` or as exported variables) it must behave as if nothing were set: an empty
    DATABASE_URL is SQLite, not a KeyError; an empty PORTAL_MEDIA_ROOT is var/media, not
    the current directory; an empty EMAIL_PORT is 25, not a ValueError."""

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        if not self.ENVIRON.get(var, "").strip():
            if default is self.NOTSET:
                raise ImproperlyConfigured(f"Set the {var} environment variable")
            return default
        return super().get_value(var, cast=cast, default=default, parse_default=parse_default)


class _DotEnv(environ.Env):
    ENVIRON: dict[str, str] = {}  # read_env fills this instead of os.environ


def _dotenv_load(path: Path) -> None:
    """`.env` before anything is read (PORTAL_VAR_DIR included). A variable the environment
    sets wins; one it leaves empty means "the default", so it does not hide `.env`'s value.
    Written to os.environ so the Celery processes and portal/urls.py see the same values."""
    if not path.is_file():
        return
    _DotEnv.read_env(path)
    for name, value in _DotEnv.ENVIRON.items():
        if value.strip() and not os.environ.get(name, "").strip():
            os.environ[name] = value


_dotenv_load(BASE_DIR / ".env")
env = Env()


def _path(value: str) -> Path:
    """A directory from a variable; a relative one is taken from the project directory, so
    web, worker and scheduler agree whatever directory each was started in."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else BASE_DIR / path


def _git_head(base: Path) -> str:
    """The commit checked out in `base`, read from .git's files (no git process, no network):
    settings load in every web, worker and management process. "" outside a checkout."""
    git = base / ".git"
    try:
        if git.is_file():  # a linked worktree: "gitdir: <path>"
            git = (base / git.read_text().partition(":")[2].strip()).resolve()
        common = git / (git / "commondir").read_text().strip() if (git / "commondir").is_file() else git
        head = (git / "HEAD").read_text().strip()
        sha = head
        if head.startswith("ref: "):
            ref = head.removeprefix("ref: ")
            loose = common / ref
            if loose.is_file():
                sha = loose.read_text().strip()
            else:
                packed = (common / "packed-refs").read_text() if (common / "packed-refs").is_file() else ""
                sha = next((line.split()[0] for line in packed.splitlines() if line.endswith(f" {ref}")), "")
    except OSError:
        return ""
    return sha[:12] if re.fullmatch(r"[0-9a-f]{40}", sha) else ""


DEBUG = env.bool("DJANGO_DEBUG", default=True)
VAR_DIR = _path(env.str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

# What this build is called: part of the key of every cached rendering and pickled object
# (CACHES below), so a deploy never serves what the previous release's templates rendered.
# Required in production; in development the checked-out commit, else "dev".
PORTAL_RELEASE = env.str("PORTAL_RELEASE", default=(_git_head(BASE_DIR) or "dev") if DEBUG else "")
if PORTAL_RELEASE and not re.fullmatch(r"[A-Za-z0-9._+-]{1,64}", PORTAL_RELEASE):
    raise ImproperlyConfigured(
        f"PORTAL_RELEASE: {PORTAL_RELEASE!r} must be 1-64 letters, digits, '.', '_', '+' or '-' (a version or commit)."
    )

# Local sign-in (passwords and the demo account picker): on in development, off in production.
PORTAL_LOCAL_LOGIN = env.bool("PORTAL_LOCAL_LOGIN", default=DEBUG)
# `make bench` (bench/run.sh): production settings measured on this machine, signed in as
# seeded users. The one case where production may keep local sign-in, and only on loopback.
PORTAL_BENCH = env.bool("PORTAL_BENCH", default=False)
# Host names that reach only this machine. With PORTAL_BENCH, DJANGO_ALLOWED_HOSTS must be
# among them, and apps.accounts.middleware.LoopbackOnlyMiddleware refuses any request that
# does not come from this machine (the Host header alone proves nothing).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
_bench_on_loopback = (
    PORTAL_BENCH
    and set(env.list("DJANGO_ALLOWED_HOSTS", default=["*"])) <= set(LOOPBACK_HOSTS)
    and not env.bool("DJANGO_BEHIND_TLS_PROXY", default=False)
)

# --- production guard --------------------------------------------------------
# Collected first and reported together so an operator fixes them in one go.
if not DEBUG:
    _missing = [
        name
        for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "REDIS_URL", "PORTAL_RELEASE")
        if not env.str(name, default="")
    ]
    if not PORTAL_LOCAL_LOGIN:
        _missing += [
            name
            for name in ("ENTRA_TENANT_ID", "ENTRA_CLIENT_ID", "ENTRA_CLIENT_SECRET")
            if not env.str(name, default="")
        ]
    _problems = []
    if _missing:
        _problems.append(
            "Production mode (DJANGO_DEBUG=0) needs these environment variables: " + ", ".join(_missing) + "."
        )
    if PORTAL_LOCAL_LOGIN and not _bench_on_loopback:
        # The picker signs anyone in as any demo account, administrators included.
        _problems.append(
            "PORTAL_LOCAL_LOGIN=1 is refused in production mode (DJANGO_DEBUG=0): it lets anyone sign in "
            "without Microsoft Entra ID. Leave PORTAL_LOCAL_LOGIN empty or 0. (Only `make bench` may use it, "
            "with PORTAL_BENCH=1 and DJANGO_ALLOWED_HOSTS limited to 127.0.0.1, localhost, [::1].)"
        )
    if not env.str("ENTRA_AUTHORITY_URL", default="https://").startswith("https://"):
        # allauth trusts the ID token because it came over TLS from the token endpoint.
        _problems.append(
            "ENTRA_AUTHORITY_URL must start with https:// in production mode: over plain http nothing "
            "authenticates the ID token."
        )
    if _problems:
        raise ImproperlyConfigured(" ".join(_problems) + " See .env.example.")

SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="dev-only-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz",
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "django_htmx",
    "django_ratelimit",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "apps.core",
    "apps.accounts",
    "apps.notifications",
    "apps.search",
    "apps.knowledge",
    "apps.cases",
    "apps.ideas",
    "apps.support",
    "apps.reports",
    # Demo and benchmark data (seed_demo, seed_bench): development, tests and `make bench` only.
    *(["apps.devdata"] if DEBUG or PORTAL_BENCH else []),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on every signed-in page and export (apps/core/middleware.py).
    "apps.core.middleware.PrivatePagesMiddleware",
    "apps.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Sign-in policy (apps/accounts/middleware.py): password pages closed without local
    # sign-in, every other page needs a (Entra) session, Microsoft outages shown clearly.
    "apps.accounts.middleware.LocalLoginLockdownMiddleware",
    "apps.accounts.middleware.SignInRequiredMiddleware",
    "apps.accounts.middleware.SignInErrorMiddleware",
    # Per-person limits on comments, requests, replies, uploads and sign-in (apps/core/ratelimits.py).
    "apps.core.ratelimits.RateLimitMiddleware",
]
if not DEBUG and PORTAL_LOCAL_LOGIN:
    # The benchmark's exception (production guard above): answer this machine only.
    MIDDLEWARE.insert(0, "apps.accounts.middleware.LoopbackOnlyMiddleware")

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "apps.core.context_processors.portal",
            ],
        },
    }
]

# --- database ----------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets readers run beside the writer; IMMEDIATE makes a writer wait for the
    # lock at BEGIN instead of failing later with "database is locked".
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file, not memory, so a real Celery worker process can share the test database.
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif _db["ENGINE"] in ("django.db.backends.postgresql",):
    # Server-side binding once turned a 0.5 ms query into 350 ms here (docs/TESTING).
    _db.setdefault("OPTIONS", {})["server_side_binding"] = False
    _db["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    _db["CONN_HEALTH_CHECKS"] = True
    # pg_trgm and Japanese need a UTF-8 ctype; template0 lets the test database pick it.
    _db["TEST"] = {"TEMPLATE": "template0", "CHARSET": "UTF8"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- caches ------------------------------------------------------------------
# Two caches, each shared by every process that reads it: a signal that drops a key in one
# process must reach the others (a per-process cache kept a role removed at Entra ID alive
# in the other gunicorn workers for its timeout).
# - "default": what is derived from the database and the templates (rendered fragments,
#   pickled objects). Its keys start with the release, so a deploy never serves markup
#   rendered by the old templates nor unpickles the old classes.
# - "state": security-relevant state (roles, sessions, rate limits), the same keys in every
#   release: a node of the new release must be able to drop a role a node of the old one
#   cached. Dropped on change, never left to expire.
# With REDIS_URL both live in Redis (required in production); without it, in files under
# PORTAL_VAR_DIR, which the processes of `make run` (web, worker, scheduler) share on one
# machine. FileBasedCache culls a third of its files when MAX_ENTRIES is reached, and lists
# its directory on every write (about 15 ms for 10,000 files here): 10,000 is well above what
# the demo data set keeps alive (a few thousand fragments, a role entry per user).
REDIS_URL = env.str("REDIS_URL", default="")
_release_prefix = f"release:{PORTAL_RELEASE}"
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "apps.core.cache.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": _release_prefix},
        "state": {"BACKEND": "apps.core.cache.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "state"},
    }
    # Sessions read from Redis, written through to the database: one query less on every
    # page. (The file cache would cost about what the database query costs.)
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache" / alias),
            "KEY_PREFIX": prefix,
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
        for alias, prefix in (("default", _release_prefix), ("state", "state"))
    }
SESSION_CACHE_ALIAS = "state"
# django-ratelimit counts in the state cache (the same counters whatever the release).
RATELIMIT_USE_CACHE = "state"
# Its system checks know memcached and django-redis by name (django_ratelimit/checks.py):
# - W001 "not officially supported" names apps.core.cache.RedisCache: Django's own Redis
#   backend (extended only in how it holds clients), whose incr() is Redis INCR, atomic
#   across processes: what the library needs. Silenced.
# - E003 "does not support atomic increment" names FileBasedCache, rightly: its incr() reads
#   then writes, so two requests at the same instant may count once and a burst can exceed a
#   limit by a few requests. Silenced only without REDIS_URL, i.e. in development and the
#   embedded single-machine mode; production requires Redis, and apps.core.checks
#   (portal.E002) reports a rate-limit cache without atomic increments there.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"] + ([] if REDIS_URL else ["django_ratelimit.E003"])

# --- Celery --------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    # Search result pages are kept under the index's version (apps.search.resultcache);
    # only with Redis, where it was measured (every index write replaces the version).
    SEARCH_RESULT_CACHE_SECONDS = 600
else:
    SEARCH_RESULT_CACHE_SECONDS = 0
    CELERY_BROKER_URL = "filesystem://"
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # An idle worker looks for new messages every 0.1 s (kombu's default is 1 s): a task
        # queued by the web process starts at once, and two workers share a burst of tasks.
        "polling_interval": 0.1,
    }
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Tokyo"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "notifications-daily-digest": {
        "task": "apps.notifications.tasks.notifications_queue_digests",
        "schedule": crontab(hour=8, minute=0),
    },
    # E-mail the broker lost (a killed worker, a broker down at commit) and mail a dead worker
    # had claimed: sent again after a few minutes (apps.notifications.services.deliveries_requeue_stale).
    "notifications-requeue-stale": {
        "task": "apps.notifications.tasks.notifications_requeue_stale",
        "schedule": crontab(minute="*"),
    },
    "ideas-challenge-schedule": {
        "task": "apps.ideas.tasks.ideas_challenge_schedule",
        "schedule": crontab(minute="*/5"),
    },
    # Before the 08:00 digest, so reminders sent as digest go out the same morning.
    "knowledge-stale-reminders": {
        "task": "apps.knowledge.tasks.knowledge_remind_stale_articles",
        "schedule": crontab(hour=7, minute=30),
    },
    # Target warnings (idempotent per due moment) and closing resolved requests past the reopen window.
    "support-targets": {
        "task": "apps.support.tasks.support_schedule",
        "schedule": crontab(minute="*/30"),
    },
    # Leavers, transfers and reorganisations from Entra ID (apps.accounts.directory), before the
    # reminders and the digest, so nothing is mailed to someone who left. Does nothing unless
    # DIRECTORY_SYNC_ENABLED.
    # The dashboard's usual views (apps.reports.services), computed before anyone asks.
    "reports-snapshots-refresh": {
        "task": "apps.reports.tasks.reports_snapshots_refresh",
        "schedule": crontab(minute="*/15"),
    },
    "accounts-directory-sync": {
        "task": "apps.accounts.tasks.directory_sync",
        "schedule": crontab(hour=5, minute=15),
    },
}

# --- authentication ----------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "apps.accounts.backends.PasswordBackend",
    "apps.accounts.backends.AllauthBackend",
]
ENTRA_TENANT_ID = env.str("ENTRA_TENANT_ID", default="")
ENTRA_CLIENT_ID = env.str("ENTRA_CLIENT_ID", default="")
ENTRA_CLIENT_SECRET = env.str("ENTRA_CLIENT_SECRET", default="")
PORTAL_SSO_ENABLED = bool(ENTRA_TENANT_ID and ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET)
# The tenant GUID, never common/organizations or a domain name: only a GUID gives a
# discovery document whose issuer can be checked and a `tid` to compare.
if ENTRA_TENANT_ID and (
    [len(part) for part in ENTRA_TENANT_ID.split("-")] != [8, 4, 4, 4, 12]
    or not all(c in "0123456789abcdefABCDEF-" for c in ENTRA_TENANT_ID)
):
    raise ImproperlyConfigured(
        "ENTRA_TENANT_ID must be the tenant's GUID (Directory (tenant) ID), not common, organizations or a domain."
    )
# Overridable for sovereign clouds (login.microsoftonline.us …) and for tests; https only
# in production (the guard above).
ENTRA_AUTHORITY_URL = env.str(
    "ENTRA_AUTHORITY_URL", default=f"https://login.microsoftonline.com/{ENTRA_TENANT_ID}/v2.0"
).rstrip("/")
ENTRA_LOGOUT_URL = ENTRA_AUTHORITY_URL.removesuffix("/v2.0") + "/oauth2/v2.0/logout"
# Which claim carries the portal roles: "roles" (app roles, recommended) or "groups" (group object ids).
ENTRA_ROLE_CLAIM = env.str("ENTRA_ROLE_CLAIM", default="roles")
# Claim value -> portal role (staff, coe, manager, admin; see apps.accounts.roles.Role).
ENTRA_ROLE_MAP: dict[str, str] = env.dict(
    "ENTRA_ROLE_MAP",
    default={
        "DXPortal.Staff": "staff",
        "DXPortal.COE": "coe",
        "DXPortal.Manager": "manager",
        "DXPortal.Admin": "admin",
    },
)
# A signed-in user with no mapped role: "staff" lets them in as Staff, "deny" shows a 403 page.
ENTRA_UNMAPPED = env.str("ENTRA_UNMAPPED", default="staff")
for _name, _value, _allowed in (
    ("ENTRA_ROLE_CLAIM", ENTRA_ROLE_CLAIM, {"roles", "groups"}),
    ("ENTRA_UNMAPPED", ENTRA_UNMAPPED, {"staff", "deny"}),
    *(("ENTRA_ROLE_MAP", _role, {"staff", "coe", "manager", "admin"}) for _role in ENTRA_ROLE_MAP.values()),
):
    if _value not in _allowed:
        raise ImproperlyConfigured(f"{_name}: {_value!r} is not one of {', '.join(sorted(_allowed))}.")

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "accounts:signed_out"
ACCOUNT_LOGIN_METHODS = {"username"}
# E-mail is optional ("email", not "email*"): Entra users without a mailbox still sign in.
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
# The identity is the Entra `oid`; an e-mail address is only a profile field and may repeat
# (a demo account and a real one), so it never sends an Entra user to a sign-up form.
ACCOUNT_UNIQUE_EMAIL = False
ACCOUNT_ADAPTER = "apps.accounts.adapters.AccountAdapter"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
# Evaluated once at import by allauth's URLconf; the password pages are closed per request
# by apps.accounts.middleware.LocalLoginLockdownMiddleware instead, so tests see production.
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_ADAPTER = "apps.accounts.sso.EntraSocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
# Never attach an Entra sign-in to an existing account because the e-mail matches.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("ENTRA_HTTP_TIMEOUT_SECONDS", default=10)
SOCIALACCOUNT_PROVIDERS: dict = {}
if PORTAL_SSO_ENABLED:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": "entra",
                "name": "Microsoft",
                "client_id": ENTRA_CLIENT_ID,
                "secret": ENTRA_CLIENT_SECRET,
                "settings": {
                    "server_url": ENTRA_AUTHORITY_URL,
                    # Entra's userinfo has no oid, tid or roles: the ID token is the profile.
                    "fetch_userinfo": False,
                    "oauth_pkce_enabled": True,
                    "uid_field": "oid",
                    "token_auth_method": "client_secret_post",
                    "scope": ["openid", "profile", "email"],
                },
            }
        ]
    }

# Microsoft Graph, app-only through MSAL (apps.accounts.graph). Off unless GRAPH_ENABLED:
# then nothing calls Microsoft except the sign-in itself.
GRAPH_ENABLED = env.bool("GRAPH_ENABLED", default=False)
GRAPH_TENANT_ID = env.str("GRAPH_TENANT_ID", default=ENTRA_TENANT_ID)
GRAPH_CLIENT_ID = env.str("GRAPH_CLIENT_ID", default=ENTRA_CLIENT_ID)
GRAPH_CLIENT_SECRET = env.str("GRAPH_CLIENT_SECRET", default=ENTRA_CLIENT_SECRET)
GRAPH_AUTHORITY_URL = env.str(
    "GRAPH_AUTHORITY_URL", default=f"https://login.microsoftonline.com/{GRAPH_TENANT_ID}"
).rstrip("/")
GRAPH_ENDPOINT = env.str("GRAPH_ENDPOINT", default="https://graph.microsoft.com/v1.0").rstrip("/")
GRAPH_MAILBOX = env.str("GRAPH_MAILBOX", default="")
GRAPH_TIMEOUT_SECONDS = env.float("GRAPH_TIMEOUT_SECONDS", default=10.0)
GRAPH_MAX_ATTEMPTS = env.int("GRAPH_MAX_ATTEMPTS", default=3)
GRAPH_RETRY_BACKOFF_SECONDS = env.float("GRAPH_RETRY_BACKOFF_SECONDS", default=1.0)
if GRAPH_ENABLED and not (GRAPH_TENANT_ID and GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET):
    raise ImproperlyConfigured(
        "GRAPH_ENABLED=1 needs ENTRA_* (or GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET)."
    )
# Directory sync (apps.accounts.directory, docs/entra-id.md): daily on beat and on demand from
# the directory page. Needs GRAPH_ENABLED and User.Read.All (GroupMember.Read.All with a group).
DIRECTORY_SYNC_ENABLED = env.bool("DIRECTORY_SYNC_ENABLED", default=False)
# The group whose direct members are the portal's people (the group the enterprise app is
# assigned to); empty = keep the accounts the portal has, create none.
DIRECTORY_SYNC_GROUP_ID = env.str("DIRECTORY_SYNC_GROUP_ID", default="")
# Where departments come from: "entra" (the department field) or "chart" (the org chart import).
DIRECTORY_SYNC_DEPARTMENTS = env.str("DIRECTORY_SYNC_DEPARTMENTS", default="entra")
# A run that would deactivate more than this share of the synced accounts stops before doing so.
DIRECTORY_SYNC_MAX_LEAVERS_PERCENT = env.int("DIRECTORY_SYNC_MAX_LEAVERS_PERCENT", default=10)
if DIRECTORY_SYNC_DEPARTMENTS not in ("entra", "chart"):
    raise ImproperlyConfigured(
        f"DIRECTORY_SYNC_DEPARTMENTS: {DIRECTORY_SYNC_DEPARTMENTS!r} is not one of chart, entra."
    )
# A Teams Workflows ("When a Teams webhook request is received") URL; apps.accounts.teams.
TEAMS_WEBHOOK_URL = env.str("TEAMS_WEBHOOK_URL", default="")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- language and time -------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- static and media --------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploads are never served directly: each app streams them through a view that checks permission.
MEDIA_URL = "/media/"
MEDIA_ROOT = _path(env.str("PORTAL_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- e-mail ------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.filebased.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
    ),
)
EMAIL_FILE_PATH = str(_path(env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Seconds an SMTP connection may hang: well under the outbox's claim timeout (15 minutes), after
# which a delivery still "being sent" is sent again (apps/notifications/services.py).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="dx-coe-portal@localhost")
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# --- security ----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("PORTAL_SESSION_IDLE_SECONDS", default=8 * 3600)
SESSION_SAVE_EVERY_REQUEST = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
    if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
        # Without it the OIDC redirect URI becomes http:// and Entra refuses it.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        # Rate limits before sign-in count per address: the client's, which the proxy
        # appended to X-Forwarded-For, not the proxy's own (one limit for everybody).
        RATELIMIT_IP_META_KEY = "apps.core.middleware.client_address"
# The health probe is fetched by load balancers over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- content --------------------------------------------------------------
# Video links on these hosts become embedded players in Markdown (動画ポータル).
PORTAL_VIDEO_EMBED_HOSTS = env.list(
    "PORTAL_VIDEO_EMBED_HOSTS",
    default=["www.youtube.com", "youtube.com", "player.vimeo.com", "web.microsoftstream.com"],
)
# YouTube links are embedded from the privacy-enhanced youtube-nocookie.com host.
_youtube = {"www.youtube.com", "youtube.com"} & set(PORTAL_VIDEO_EMBED_HOSTS)
_frame_hosts = set(PORTAL_VIDEO_EMBED_HOSTS) | ({"www.youtube-nocookie.com"} if _youtube else set())
PORTAL_CSP_FRAME_SRC = sorted(f"https://{host}" for host in _frame_hosts)
PORTAL_UPLOAD_MAX_BYTES = env.int("PORTAL_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# Days after its resolution during which a support request can be reopened (then it is closed).
SUPPORT_REOPEN_DAYS = env.int("SUPPORT_REOPEN_DAYS", default=14)
REPORTS_MANAGER_DEFAULT_SCOPE = env.str("REPORTS_MANAGER_DEFAULT_SCOPE", default="all")  # "all" | "own"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
