"""What `make run` relies on: the embedded Redis, the demo seed, settings from the environment."""

import pytest
import redis
from django.contrib.auth import authenticate as _authenticate
from django.core.exceptions import ImproperlyConfigured

from profiles.models import SmsProfile, SmsSettings
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
