"""In Chromium: an editor who does not own a global profile sees its server fields locked; its
owner who moves it is told the stored password was removed."""

from __future__ import annotations

import pytest

from tests.support import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def test_the_server_step_locks_the_destination_for_non_owners(
    page, live_server, superuser, staff_editor, make_profile
):
    profile = make_profile(name="Shared SMSC", is_global=True, owner=superuser)
    _log_in(page, live_server, "editor", "pw-staff-1")
    page.goto(f"{live_server.url}/admin/profiles/smsprofile/{profile.pk}/wizard/server/")
    host = page.get_by_label("IP address")
    assert host.is_disabled() and page.get_by_label("Global Configuration").is_disabled()
    assert page.get_by_text("Only the owner of the profile or a superuser").first.is_visible()
    assert page.get_by_label("User name").is_enabled()
    screenshot(page, "server-step-locked")


def test_the_owner_is_told_the_password_was_removed(page, live_server, superuser, make_profile):
    profile = make_profile(name="My SMSC", owner=superuser)
    _log_in(page, live_server, "root", "pw-root-1")
    page.goto(f"{live_server.url}/admin/profiles/smsprofile/{profile.pk}/wizard/server/")
    page.get_by_label("IP address").fill("smsc2.example.com")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("the stored password was removed").wait_for()
    screenshot(page, "server-step-password-removed")
    profile.refresh_from_db()
    assert profile.host == "smsc2.example.com" and not profile.has_password
