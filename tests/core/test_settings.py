"""The settings module as an operator meets it: `.env.example` copied verbatim works, as
`.env` and as exported variables; production refuses to start half-configured or with a
door left open, naming what to fix; `check --deploy` is clean when it is right.

Each run is `manage.py` in a subprocess on a copy of the project (portal/ and manage.py
copied, the rest linked), so a `.env` can lie beside it without touching this checkout."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / ".env.example").read_text()
EXAMPLE_NAMES = re.findall(r"^([A-Z][A-Z0-9_]*)=", EXAMPLE, flags=re.MULTILINE)
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x9!vT3#qLr8$Wm2@Zp5^Kc7&Hn4*Jd6(Bf1)Gs0_Ye-Ua+Io=Ql~Xw",
    "DJANGO_ALLOWED_HOSTS": "portal.city.example.jp",
    "ENTRA_TENANT_ID": "11111111-2222-3333-4444-555555555555",
    "ENTRA_CLIENT_ID": "66666666-7777-8888-9999-000000000000",
    "ENTRA_CLIENT_SECRET": "not-a-real-secret",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "PORTAL_RELEASE": "2026.12.1",
}
# What production needs that the example leaves empty.
REQUIRED_IN_PRODUCTION = {
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "REDIS_URL",
    "PORTAL_RELEASE",
    "ENTRA_TENANT_ID",
    "ENTRA_CLIENT_ID",
    "ENTRA_CLIENT_SECRET",
}
RESOLVED = [
    "DEBUG",
    "INSTALLED_APPS",
    "DATABASES",
    "CACHES",
    "MEDIA_ROOT",
    "CELERY_BROKER_URL",
    "EMAIL_BACKEND",
    "EMAIL_FILE_PATH",
    "EMAIL_PORT",
    "PORTAL_LOCAL_LOGIN",
    "PORTAL_RELEASE",
    "SESSION_ENGINE",
    "ENTRA_ROLE_MAP",
    "ENTRA_UNMAPPED",
    "MIDDLEWARE",
    "RATELIMIT_USE_CACHE",
    "RATELIMIT_IP_META_KEY",
]


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project whose settings find their BASE_DIR (and `.env`) in tmp_path."""
    copy = tmp_path / "project"
    copy.mkdir()
    subprocess.run(["cp", "-r", str(ROOT / "portal"), str(ROOT / "manage.py"), str(copy)], check=True)
    for name in ("apps", "templates", "static", "locale"):
        (copy / name).symlink_to(ROOT / name)
    return copy


def outside_env() -> dict[str, str]:
    """This process's environment without any of the portal's variables."""
    return {k: v for k, v in os.environ.items() if k not in EXAMPLE_NAMES and k != "DJANGO_SETTINGS_MODULE"}


def manage(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project,
        env={**outside_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def resolved(project: Path, env: dict[str, str] | None = None) -> dict:
    code = (
        "from django.conf import settings as s; import json; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {RESOLVED!r}}}, default=str))"
    )
    result = manage(project, "shell", "-v", "0", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def example_with(**values: str) -> str:
    """The example as an operator fills it in: each NAME= line given a value."""
    text = EXAMPLE
    for name, value in values.items():
        text, count = re.subn(rf"^{name}=.*$", f"{name}={value}", text, flags=re.MULTILINE)
        assert count == 1, name
    return text


def example_as_variables() -> dict[str, str]:
    return dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", EXAMPLE, flags=re.MULTILINE))


def failure(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0, result.stdout
    return result.stderr.strip().splitlines()[-1]


def assert_embedded_defaults(values: dict, base: Path) -> None:
    """What "nothing set" means: everything in base/var, development mode."""
    var = base / "var"
    assert values["DEBUG"] is True
    db = values["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(var / "portal.sqlite3")
    assert values["MEDIA_ROOT"] == str(var / "media")
    assert values["CELERY_BROKER_URL"] == "filesystem://"
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert values["EMAIL_FILE_PATH"] == str(var / "mail")
    assert values["EMAIL_PORT"] == 25
    assert values["PORTAL_LOCAL_LOGIN"] is True
    assert values["ENTRA_UNMAPPED"] == "staff"
    caches = values["CACHES"]
    assert {alias: c["BACKEND"] for alias, c in caches.items()} == {
        "default": "django.core.cache.backends.filebased.FileBasedCache",
        "state": "django.core.cache.backends.filebased.FileBasedCache",
    }
    assert caches["default"]["LOCATION"] == str(var / "cache" / "default")
    assert caches["state"]["LOCATION"] == str(var / "cache" / "state")


# --- .env.example copied verbatim --------------------------------------------------------------


def test_the_example_as_dotenv_is_development_in_the_project_directory(project):
    (project / ".env").write_text(EXAMPLE)
    result = manage(project, "check")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert_embedded_defaults(resolved(project), project)


def test_the_example_as_exported_variables_is_the_same(project):
    variables = example_as_variables()
    assert variables["DATABASE_URL"] == "" and variables["PORTAL_MEDIA_ROOT"] == ""  # what makes this a test
    result = manage(project, "check", env=variables)
    assert result.returncode == 0, result.stderr
    assert_embedded_defaults(resolved(project, variables), project)


def test_var_dir_from_dotenv_is_used_and_an_empty_exported_variable_does_not_hide_it(project, tmp_path):
    elsewhere = tmp_path / "portal-data"
    (project / ".env").write_text(example_with(PORTAL_VAR_DIR=str(elsewhere)))
    for env in ({}, {"PORTAL_VAR_DIR": "", "DATABASE_URL": ""}):
        values = resolved(project, env)
        assert values["DATABASES"]["default"]["NAME"] == str(elsewhere / "portal.sqlite3")
        assert values["MEDIA_ROOT"] == str(elsewhere / "media")
        assert values["CACHES"]["state"]["LOCATION"] == str(elsewhere / "cache" / "state")
    # A value set in the environment wins over .env.
    other = tmp_path / "other-data"
    assert resolved(project, {"PORTAL_VAR_DIR": str(other)})["MEDIA_ROOT"] == str(other / "media")


def test_the_example_with_production_values_starts_and_passes_check_deploy(project):
    (project / ".env").write_text(example_with(**PRODUCTION))
    result = manage(project, "check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    values = resolved(project)
    assert values["DEBUG"] is False and values["PORTAL_LOCAL_LOGIN"] is False
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["CELERY_BROKER_URL"] == PRODUCTION["REDIS_URL"]
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert {c["BACKEND"] for c in values["CACHES"].values()} == {"apps.core.cache.RedisCache"}
    assert values["RATELIMIT_USE_CACHE"] == "state" and values["RATELIMIT_IP_META_KEY"] is None


def test_production_has_no_demo_or_benchmark_data_commands(project):
    """The commands that create demo accounts or flush a database exist in development and
    for `make bench` only."""
    (project / ".env").write_text(example_with(**PRODUCTION))
    assert "apps.devdata" not in resolved(project)["INSTALLED_APPS"]
    for command in ("seed_demo", "seed_bench"):
        result = manage(project, command)
        assert result.returncode != 0 and f"Unknown command: '{command}'" in result.stderr
    assert "apps.devdata" in resolved(project, env={"DJANGO_DEBUG": "1"})["INSTALLED_APPS"]


def test_behind_the_tls_proxy_rate_limits_see_the_client_address(project):
    values = resolved(project, {**PRODUCTION, "DJANGO_BEHIND_TLS_PROXY": "1"})
    assert values["RATELIMIT_IP_META_KEY"] == "apps.core.middleware.client_address"


def test_the_example_in_production_names_exactly_what_production_requires(project):
    (project / ".env").write_text(example_with(DJANGO_DEBUG="0"))
    message = failure(manage(project, "check"))
    assert "Production mode (DJANGO_DEBUG=0) needs these environment variables:" in message
    named = set(re.search(r"variables: ([A-Z_, ]+)\.", message).group(1).split(", "))
    assert named == REQUIRED_IN_PRODUCTION
    assert "KeyError" not in message and "PORTAL_LOCAL_LOGIN" not in message


@pytest.mark.parametrize("missing", sorted(REQUIRED_IN_PRODUCTION))
def test_production_refuses_to_start_without_a_required_setting(project, missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    message = failure(manage(project, "check", env=env))
    assert "Production mode (DJANGO_DEBUG=0) needs these environment variables" in message
    assert missing in message


# --- local sign-in in production ---------------------------------------------------------------


def test_production_refuses_local_login_and_names_it(project):
    """The demo picker would sign anyone in as anyone; `check --deploy` says so by refusing."""
    (project / ".env").write_text(example_with(**PRODUCTION, PORTAL_LOCAL_LOGIN="1"))
    for args in (["check"], ["check", "--deploy"]):
        message = failure(manage(project, *args))
        assert "PORTAL_LOCAL_LOGIN=1 is refused in production mode" in message
    # Also when the operator drops the Entra settings, which local sign-in used to excuse.
    env = {k: v for k, v in PRODUCTION.items() if not k.startswith("ENTRA_")}
    assert "PORTAL_LOCAL_LOGIN=1 is refused" in failure(
        manage(project, "check", env={**env, "PORTAL_LOCAL_LOGIN": "1"})
    )


def bench_environment() -> dict[str, str]:
    """What `make bench` exports (bench/run.sh's literal `export NAME=value` lines), plus the
    values it computes."""
    script = (ROOT / "bench" / "run.sh").read_text()
    literal = dict(re.findall(r"^export ([A-Z_]+)=([^$\s\"]+)$", script, flags=re.MULTILINE))
    assert literal["PORTAL_LOCAL_LOGIN"] == "1" and literal["DJANGO_DEBUG"] == "0"
    return {
        **literal,
        "DJANGO_SECRET_KEY": "bench-" + "k" * 50,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/dx_coe_portal_bench",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
        "PORTAL_RELEASE": "bench-0123456789ab",
    }


def test_the_benchmark_may_keep_local_login_on_loopback_and_check_deploy_reports_it(project):
    env = bench_environment()
    result = manage(project, "check", "--deploy", env=env)
    assert result.returncode == 0, result.stderr
    report = result.stdout + result.stderr
    assert "portal.W001" in report and "Local sign-in (PORTAL_LOCAL_LOGIN=1) is on in production mode" in report
    values = resolved(project, env)
    assert values["PORTAL_LOCAL_LOGIN"] is True
    # The server refuses any request that does not come from this machine.
    assert values["MIDDLEWARE"][0] == "apps.accounts.middleware.LoopbackOnlyMiddleware"


@pytest.mark.parametrize(
    "change",
    [
        {"DJANGO_ALLOWED_HOSTS": "portal.city.example.jp"},
        {"DJANGO_ALLOWED_HOSTS": "127.0.0.1,*"},
        {"DJANGO_BEHIND_TLS_PROXY": "1"},
        {"PORTAL_BENCH": ""},
    ],
    ids=["public-host", "any-host", "behind-proxy", "not-bench"],
)
def test_the_benchmark_exception_does_not_reach_beyond_loopback(project, change):
    message = failure(manage(project, "check", env={**bench_environment(), **change}))
    assert "PORTAL_LOCAL_LOGIN=1 is refused in production mode" in message


# --- Entra ID authority ------------------------------------------------------------------------


def test_production_refuses_a_plain_http_entra_authority(project):
    env = {**PRODUCTION, "ENTRA_AUTHORITY_URL": f"http://login.example.test/{PRODUCTION['ENTRA_TENANT_ID']}/v2.0"}
    assert "ENTRA_AUTHORITY_URL must start with https://" in failure(manage(project, "check", env=env))
    # Development may point at a local provider over http (the SSO tests do).
    dev = {k: v for k, v in env.items() if k != "DJANGO_DEBUG"}
    assert manage(project, "check", env=dev).returncode == 0


# --- release -------------------------------------------------------------------------------------


def test_cached_markup_is_keyed_by_the_release_and_security_state_is_not(project):
    values = resolved(project, PRODUCTION)
    assert values["PORTAL_RELEASE"] == "2026.12.1"
    assert "2026.12.1" in values["CACHES"]["default"]["KEY_PREFIX"]
    assert "2026.12.1" not in values["CACHES"]["state"]["KEY_PREFIX"]
    other = resolved(project, {**PRODUCTION, "PORTAL_RELEASE": "2026.12.2"})
    assert other["CACHES"]["default"]["KEY_PREFIX"] != values["CACHES"]["default"]["KEY_PREFIX"]
    assert other["CACHES"]["state"] == values["CACHES"]["state"]


def test_development_release_is_the_checked_out_commit_else_dev(project):
    assert resolved(project)["PORTAL_RELEASE"] == "dev"  # no .git in the copy
    (project / ".git").symlink_to(ROOT / ".git")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    values = resolved(project)
    assert values["PORTAL_RELEASE"] == head.stdout.strip()[:12]
    assert values["PORTAL_RELEASE"] in values["CACHES"]["default"]["KEY_PREFIX"]
