"""One settings module for every environment; environments differ only by variables.

Every variable is documented in `.env.example`. With nothing set the portal runs
in development mode on SQLite with a filesystem Celery broker. `DJANGO_DEBUG=0`
switches to production mode, which refuses to start without its secrets.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(env_file)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# --- production guard --------------------------------------------------------
# Collected first and reported together so an operator fixes them in one go.
_missing: list[str] = []
if not DEBUG:
    for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"):
        if not env.str(name, default=""):
            _missing.append(name)
    if not env.bool("PORTAL_LOCAL_LOGIN", default=False):
        for name in ("ENTRA_TENANT_ID", "ENTRA_CLIENT_ID", "ENTRA_CLIENT_SECRET"):
            if not env.str(name, default=""):
                _missing.append(name)
    if _missing:
        raise ImproperlyConfigured(
            "Production mode (DJANGO_DEBUG=0) needs these environment variables: "
            + ", ".join(_missing)
            + ". See .env.example."
        )

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
]

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

# --- cache and Celery --------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "apps.core.cache.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions read from Redis, written through to the database: one query less on every
    # page. Only with a cache all processes share: a per-process cache would keep a
    # signed-out session alive in the other workers.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    # Search result pages are kept under the index's version (apps.search.resultcache);
    # only with a shared cache: another process's index write must reach every reader.
    SEARCH_RESULT_CACHE_SECONDS = 600
else:
    SEARCH_RESULT_CACHE_SECONDS = 0
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "filesystem://"
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
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
}

# --- authentication ----------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "apps.accounts.backends.PasswordBackend",
    "apps.accounts.backends.AllauthBackend",
]
PORTAL_LOCAL_LOGIN = env.bool("PORTAL_LOCAL_LOGIN", default=DEBUG)
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
# Overridable for sovereign clouds (login.microsoftonline.us …) and for tests.
# (`or` defaults: a variable copied empty from .env.example means "the default".)
ENTRA_AUTHORITY_URL = (
    env.str("ENTRA_AUTHORITY_URL", default="") or f"https://login.microsoftonline.com/{ENTRA_TENANT_ID}/v2.0"
).rstrip("/")
ENTRA_LOGOUT_URL = ENTRA_AUTHORITY_URL.removesuffix("/v2.0") + "/oauth2/v2.0/logout"
# Which claim carries the portal roles: "roles" (app roles, recommended) or "groups" (group object ids).
ENTRA_ROLE_CLAIM = env.str("ENTRA_ROLE_CLAIM", default="") or "roles"
# Claim value -> portal role (staff, coe, manager, admin; see apps.accounts.roles.Role).
ENTRA_ROLE_MAP: dict[str, str] = (
    env.dict("ENTRA_ROLE_MAP")
    if env.str("ENTRA_ROLE_MAP", default="")
    else {
        "DXPortal.Staff": "staff",
        "DXPortal.COE": "coe",
        "DXPortal.Manager": "manager",
        "DXPortal.Admin": "admin",
    }
)
# A signed-in user with no mapped role: "staff" lets them in as Staff, "deny" shows a 403 page.
ENTRA_UNMAPPED = env.str("ENTRA_UNMAPPED", default="") or "staff"
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
SOCIALACCOUNT_REQUESTS_TIMEOUT = int(env.str("ENTRA_HTTP_TIMEOUT_SECONDS", default="") or 10)
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
GRAPH_TENANT_ID = env.str("GRAPH_TENANT_ID", default="") or ENTRA_TENANT_ID
GRAPH_CLIENT_ID = env.str("GRAPH_CLIENT_ID", default="") or ENTRA_CLIENT_ID
GRAPH_CLIENT_SECRET = env.str("GRAPH_CLIENT_SECRET", default="") or ENTRA_CLIENT_SECRET
GRAPH_AUTHORITY_URL = (
    env.str("GRAPH_AUTHORITY_URL", default="") or f"https://login.microsoftonline.com/{GRAPH_TENANT_ID}"
).rstrip("/")
GRAPH_ENDPOINT = (env.str("GRAPH_ENDPOINT", default="") or "https://graph.microsoft.com/v1.0").rstrip("/")
GRAPH_MAILBOX = env.str("GRAPH_MAILBOX", default="")
GRAPH_TIMEOUT_SECONDS = float(env.str("GRAPH_TIMEOUT_SECONDS", default="") or 10.0)
GRAPH_MAX_ATTEMPTS = int(env.str("GRAPH_MAX_ATTEMPTS", default="") or 3)
GRAPH_RETRY_BACKOFF_SECONDS = float(env.str("GRAPH_RETRY_BACKOFF_SECONDS", default="") or 1.0)
if GRAPH_ENABLED and not (GRAPH_TENANT_ID and GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET):
    raise ImproperlyConfigured(
        "GRAPH_ENABLED=1 needs ENTRA_* (or GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET)."
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
MEDIA_ROOT = Path(env.str("PORTAL_MEDIA_ROOT", default=str(VAR_DIR / "media")))
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
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
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
REPORTS_MANAGER_DEFAULT_SCOPE = env.str("REPORTS_MANAGER_DEFAULT_SCOPE", default="") or "all"  # "all" | "own"
# Sections of a report built at once, each on its own database connection (PostgreSQL); 1 = one after another.
REPORTS_PARALLEL_SECTIONS = env.int("REPORTS_PARALLEL_SECTIONS", default=4)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
