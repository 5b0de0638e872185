"""What `make run` relies on: the embedded Redis, the demo seed, settings from the environment."""

import os
import subprocess
import sys

import pytest
import redis
from django.contrib.auth import authenticate as _authenticate
from django.core.exceptions import ImproperlyConfigured

from profiles.models import SmsProfile, SmsSettings
from sending.management.commands.smsc_sandbox import Command as SandboxCommand
from smsportal import demo
from smsportal.env import envbool, envint


def authenticate(**credentials):
    """Log in as the login page does: django-axes needs the request."""
    from django.test import RequestFactory

    return _authenticate(RequestFactory().post("/admin/login/"), **credentials)


def test_it_serves_a_real_redis(redis_url, settings):
    if settings.USES_EMBEDDED_REDIS:
        client = redis.Redis(unix_socket_path=str(settings.EMBEDDED_REDIS_SOCKET))
    else:
        client = redis.Redis.from_url(redis_url)
    client.set("smsportal-test", "ok")
    assert client.get("smsportal-test") == b"ok"


@pytest.mark.django_db
def test_it_seeds_an_applied_sandbox_profile_once(monkeypatch):
    monkeypatch.setenv("SMSPORTAL_ADMIN_PASSWORD", "demo-pass-123")
    demo.seed()
    username, password = demo.seed()
    assert (username, password) == ("admin", "demo-pass-123")
    assert authenticate(username="admin", password="demo-pass-123") is not None
    profile = SmsProfile.objects.get(name=demo.DEMO_PROFILE_NAME)
    assert profile.is_complete and profile.is_global
    assert SmsSettings.applied() == profile
    assert SmsProfile.objects.count() == 1


@pytest.mark.django_db
def test_it_generates_a_new_admin_password_when_none_is_given(monkeypatch):
    monkeypatch.delenv("SMSPORTAL_ADMIN_PASSWORD", raising=False)
    _, first = demo.ensure_admin()
    _, second = demo.ensure_admin()
    assert first != second and len(second) >= 12
    assert authenticate(username="admin", password=second) is not None


def test_it_reads_typed_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    monkeypatch.setenv("X_NUM", "12")
    assert envbool("X_FLAG") is True and envint("X_NUM", 1) == 12
    monkeypatch.setenv("X_NUM", "twelve")
    with pytest.raises(ImproperlyConfigured, match="X_NUM must be an integer"):
        envint("X_NUM", 1)


def test_the_sandbox_settings_come_from_the_environment():
    env = os.environ | {"SMSC_SANDBOX_SYSTEM_ID": "acme-sandbox", "SMSC_SANDBOX_PORT": "2999"}
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SMSC_SANDBOX_SYSTEM_ID, s.SMSC_SANDBOX_PORT)"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert output.split() == ["acme-sandbox", "2999"]


@pytest.mark.django_db
def test_the_sandbox_and_the_demo_profile_share_one_account(settings):
    settings.SMSC_SANDBOX_SYSTEM_ID, settings.SMSC_SANDBOX_PASSWORD = "acme-sandbox", "pw-sandbox"
    options = SandboxCommand().create_parser("manage.py", "smsc_sandbox").parse_args([])
    profile = demo.ensure_demo_profile()
    assert (options.system_id, options.password) == ("acme-sandbox", "pw-sandbox")
    assert (profile.username, profile.password) == ("acme-sandbox", "pw-sandbox")
