"""One walk through the UI in headless Chromium: New, steps 1-4, Alt+S, apply in SMS Settings."""

from __future__ import annotations

import re

import pytest

from tests.support import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name: str) -> None:
    screenshot(page, f"wizard-{name}")


def test_it_creates_configures_and_applies_a_profile(page, live_server, superuser):
    from profiles.models import SmsProfile, SmsSettings

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("pw-root-1")
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("No SMS profile is applied yet.").wait_for()
    page.wait_for_load_state()  # the Alt+S script is loaded

    # Alt+S from the admin index opens SMS Settings; New asks for the Profile Name.
    page.keyboard.press("Alt+s")
    page.wait_for_url("**/admin/profiles/smssettings/")
    page.get_by_role("button", name="New").click()
    page.get_by_role("dialog").get_by_label("Profile Name").fill("Browser SMPP")
    shot(page, "1-create")
    page.get_by_role("dialog").get_by_role("button", name="Ok").click()

    # Step 2 — SMS Server Details
    page.get_by_role("heading", name="SMS Server Details").wait_for()
    page.get_by_label("Web URL").check()
    assert not page.get_by_label("IP address").is_visible()
    page.get_by_role("button", name="Kannel sendsms").click()
    assert "/cgi-bin/sendsms?" in page.get_by_label("Gateway URL").input_value()
    page.get_by_role("button", name="Jasmin HTTP API").click()
    jasmin_url = page.get_by_label("Gateway URL").input_value()
    assert "&coding={data_coding}&{content_param}={content}" in jasmin_url
    assert jasmin_url.endswith("&dlr-url={receipt_url}")  # receipts come to our callback
    shot(page, "2-server-web-url")
    page.get_by_label("Gateway URL").fill("")
    page.get_by_label("SMPP").check()
    page.get_by_label("Global Configuration").check()
    page.get_by_label("Transceiver").check()
    page.get_by_label("IP address").fill("127.0.0.1")
    page.get_by_label("Port number").fill("2775")
    page.get_by_label("User name").fill("smppclient1")
    page.get_by_label("Password:", exact=True).fill("Zq7-sandbox")
    shot(page, "2-server")
    page.get_by_role("button", name="Save and continue").click()

    # Step 3 — Message
    page.get_by_role("heading", name="Message", exact=True).wait_for()
    page.get_by_label("Sender Mobile Number").fill("ACME")
    page.get_by_label(re.compile(r"^\s*Message:?\s*$")).first.fill("Your parcel has arrived.")
    shot(page, "3-message")
    page.get_by_role("button", name="Save and continue").click()

    # Step 4 — Advanced Settings: defaults as they are, one section opened to show it.
    page.get_by_role("heading", name="Advanced Settings").wait_for()
    page.get_by_text("Timeouts and retries").click()
    assert page.get_by_label("Bind timeout (s)").input_value() == "30"
    page.get_by_label("Bind timeout (s)").fill("45")
    shot(page, "4-advanced")
    # Back with unsaved typing asks first; answering Cancel stays with the typed value.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("link", name="Back").click()
    assert questions and "not saved" in questions[0]
    assert page.get_by_label("Bind timeout (s)").input_value() == "45"
    page.get_by_role("button", name="Save and finish").click()
    # formtools' done step re-validates every step of the run, then sends to SMS Settings.
    page.wait_for_url("**/admin/profiles/smssettings/")
    page.get_by_text("“Browser SMPP” is complete. Select it in Select Profile").wait_for()
    shot(page, "4-finished")

    profile = SmsProfile.objects.get(name="Browser SMPP")
    assert profile.is_complete and profile.password == "Zq7-sandbox"
    assert (profile.bind_mode, profile.bind_timeout, profile.url) == ("transceiver", 45, "")

    # Alt+S again from another admin page, then Select Profile + Ok applies it.
    page.goto(f"{live_server.url}/admin/")
    page.keyboard.press("Alt+s")
    page.wait_for_url("**/admin/profiles/smssettings/")
    page.get_by_label("Select Profile").select_option(label="Browser SMPP")
    page.locator("#select-profile-form").get_by_role("button", name="Ok").click()
    page.get_by_text("Applied profile: Browser SMPP").wait_for()
    shot(page, "5-applied")
    assert SmsSettings.applied() == profile
    assert "Zq7-sandbox" not in page.content()
