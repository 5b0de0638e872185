"""Production settings come from the environment and make `check --deploy` clean; the defaults
stay development-friendly; the SQLite file and var/ are private to the portal's user."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys

from cryptography.fernet import Fernet
from django.conf import settings


def _manage(*args, env: dict, var) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTEST_VERSION")}
    base |= {"SMSPORTAL_VAR_DIR": str(var)} | env
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=base,
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean_with_production_settings_from_the_environment(tmp_path):
    production = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "SMSPORTAL_SECRETS_KEYS": Fernet.generate_key().decode(),
        "SMSPORTAL_HTTPS": "1",
        "ALLOWED_HOSTS": "sms.example.com",
    }
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=production, var=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_names_what_is_missing_without_them(tmp_path):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env={}, var=tmp_path)
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr + result.stdout


def test_the_sqlite_file_and_var_are_private(tmp_path):
    var = tmp_path / "var"
    result = _manage("migrate", "-v0", env={}, var=var)
    assert result.returncode == 0, result.stderr
    database = var / "smsportal.sqlite3"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    for side in var.glob("smsportal.sqlite3-*"):
        assert stat.S_IMODE(side.stat().st_mode) & 0o077 == 0, side
