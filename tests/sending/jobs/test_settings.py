"""The session and lease settings: read from the environment, refused when they cannot work."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.sending.jobs.conftest import ROOT

PRINT = "from django.conf import settings as s; print(s.SMSPORTAL_SESSION_IDLE_CLOSE, s.SMSPORTAL_BIND_LEASE_TTL)"  # noqa: E501


def _settings(**env) -> subprocess.CompletedProcess:
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "smsportal.settings"}
    for name in ("SMSPORTAL_SESSION_IDLE_CLOSE", "SMSPORTAL_BIND_LEASE_TTL"):
        environ.pop(name, None)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", PRINT], cwd=ROOT, env=environ, capture_output=True, text=True
    )


def test_it_reads_the_session_settings_from_the_environment():
    assert _settings().stdout.split() == ["60", "30"]
    found = _settings(SMSPORTAL_SESSION_IDLE_CLOSE="5", SMSPORTAL_BIND_LEASE_TTL="9")
    assert found.stdout.split() == ["5", "9"]


def test_it_refuses_a_lease_ttl_too_short_to_renew():
    refused = _settings(SMSPORTAL_BIND_LEASE_TTL="1")
    assert refused.returncode != 0
    assert "SMSPORTAL_BIND_LEASE_TTL at least 3" in refused.stderr
