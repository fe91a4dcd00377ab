"""Production mode refuses to start half-configured, and is clean under check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x9!vT3#qLr8$Wm2@Zp5^Kc7&Hn4*Jd6(Bf1)Gs0_Ye-Ua+Io=Ql~Xw",
    "DJANGO_ALLOWED_HOSTS": "portal.city.example.jp",
    "ENTRA_TENANT_ID": "11111111-2222-3333-4444-555555555555",
    "ENTRA_CLIENT_ID": "66666666-7777-8888-9999-000000000000",
    "ENTRA_CLIENT_SECRET": "not-a-real-secret",
    "PORTAL_LOCAL_LOGIN": "0",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ENTRA_", "PORTAL_LOCAL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "ENTRA_CLIENT_SECRET"])
def test_production_refuses_to_start_without_a_required_setting(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "Production mode (DJANGO_DEBUG=0) needs these environment variables" in last_line
    assert missing in last_line


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
