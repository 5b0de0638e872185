"""Step 3 in headless Chromium: Insert mid-sentence, the Arabic tab's counter, shared vectors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.message.vectors import VECTORS, vector_text
from tests.support import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def message_page(page, live_server, superuser, make_profile):
    from profiles.demo_data import seed_data_objects

    seed_data_objects()
    profile = make_profile(
        complete=False, saved_steps=0b0011, message_en="Hello , your invoice is ready."
    )
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("pw-root-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    url = reverse("admin:profiles_smsprofile_wizard", args=[profile.pk, "message"])
    page.goto(f"{live_server.url}{url}")
    page.get_by_role("heading", name="Message", exact=True).wait_for()
    return page, profile


def _panel(page, code):
    return page.locator(f"#sms-panel-{code}")


def test_it_inserts_mid_sentence_and_counts_the_arabic_tab(message_page):
    page, profile = message_page
    english = page.get_by_label("Message", exact=True)
    # Put the cursor after "Hello " and insert the first name there, not at the end.
    english.evaluate("el => { el.focus(); el.setSelectionRange(6, 6); }")
    page.get_by_label("Search data objects").fill("first")
    page.get_by_label("Meta Data").select_option("customer.first_name")
    page.get_by_role("button", name="Insert").click()
    assert english.input_value() == "Hello {{ customer.first_name }}, your invoice is ready."
    en_panel = _panel(page, "en")
    assert "Hello Amélie, your invoice is ready." in en_panel.locator("[data-preview]").inner_text()
    assert en_panel.locator("[data-counter]").inner_text() == ("36 characters · GSM 7-bit · 1 part")

    screenshot(page, "message-editor-english")

    # Multilingual shows a tab per language; the Arabic one starts empty.
    assert not page.get_by_role("tab", name="Arabic").is_visible()
    page.get_by_label("Multilingual").check()
    page.get_by_role("tab", name="Arabic").click()
    arabic = _panel(page, "ar")
    counter = arabic.locator("[data-counter]")
    assert arabic.is_visible() and not en_panel.is_visible()
    assert counter.inner_text() == "0 characters · GSM 7-bit · 0 parts"
    box = arabic.locator("textarea")
    assert box.get_attribute("dir") == "rtl"

    box.press_sequentially("مرحبا ")
    page.get_by_label("Meta Data").select_option("customer.first_name")
    page.get_by_role("button", name="Insert").click()
    box.press_sequentially("، فاتورتك جاهزة.")
    assert box.input_value() == "مرحبا {{ customer.first_name }}، فاتورتك جاهزة."
    assert counter.inner_text() == "28 characters · UCS-2 · 1 part"
    assert arabic.get_attribute("data-encoding") == "ucs2"
    warning = arabic.locator("[data-ucs2-warning]")
    assert warning.is_visible() and "UCS-2" in warning.inner_text()
    assert "and 6 more" in warning.inner_text()  # 14 distinct letters, the first 8 named

    box.press_sequentially(" يرجى الدفع قبل نهاية الشهر لتجنب الرسوم الإضافية.")
    assert counter.inner_text().endswith("UCS-2 · 2 parts")
    preview = arabic.locator("[data-preview]")
    assert preview.get_attribute("dir") == "rtl"
    assert preview.locator(".sms-part").count() == 2
    assert "Part 2 of 2" in preview.inner_text()
    # Every tab tells what its language costs, so all languages can be compared at a glance.
    assert "2 parts" in page.get_by_role("tab", name="Arabic").inner_text()
    assert "1 part" in page.get_by_role("tab", name="English").inner_text()
    screenshot(page, "message-editor-arabic")

    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    profile.refresh_from_db()
    assert profile.multilingual and profile.is_step_saved(3)
    assert profile.message_ar.startswith("مرحبا {{ customer.first_name }}، فاتورتك")
    assert profile.message_en == "Hello {{ customer.first_name }}, your invoice is ready."


def test_it_replaces_lookalikes_to_stay_in_gsm(message_page):
    page, _profile = message_page
    english = page.get_by_label("Message", exact=True)
    english.fill("It’s ready\u00a0— “today”")
    panel = _panel(page, "en")
    assert "UCS-2" in panel.locator("[data-counter]").inner_text()
    assert "“\u2068’\u2069” U+2019" in panel.locator("[data-ucs2-warning]").inner_text()
    assert "U+00A0 (no-break space)" in panel.locator("[data-ucs2-warning]").inner_text()
    page.get_by_role("button", name="Replace lookalikes").click()
    assert english.input_value() == 'It\'s ready - "today"'
    assert "GSM 7-bit" in panel.locator("[data-counter]").inner_text()
    assert not panel.locator("[data-ucs2-warning]").is_visible()
    english.fill("Prix : 10 € — merci !")
    screenshot(page, "message-editor-lookalikes")


def test_it_passes_the_shared_vectors_in_the_browser(message_page):
    page, _profile = message_page
    cases = [
        {"text": vector_text(v), "forceUcs2": v.get("force_ucs2", False), "udh": v.get("udh", True)}
        for v in VECTORS["segments"]
    ]
    results = page.evaluate(
        "cases => cases.map(c => SmsCounter.segment(c.text, {forceUcs2: c.forceUcs2, udh: c.udh}))",
        cases,
    )
    for vector, case, got in zip(VECTORS["segments"], cases, results, strict=True):
        expected = {k: vector[k] for k in ("encoding", "characters", "units", "forcing_ucs2")}
        assert {k: got[k] for k in expected} == expected, vector["name"]
        assert [len(list(part)) for part in got["parts"]] == vector["part_chars"], vector["name"]
        assert "".join(got["parts"]) == case["text"], vector["name"]  # the parts are the text


def test_it_previews_in_the_browser_exactly_as_the_server_renders(message_page):
    from profiles.message import preview
    from profiles.models import DataObject

    page, _profile = message_page
    templates = [
        "Hi {{ customer.first_name }}, {{invoice.amount}} due {{ invoice.due_date }}.",
        'Hi {{ customer.nickname | default:"there" }} {{ customer.nickname }}!',
        "Code {{{ otp.code }}} and {{ customer.first_name|default:'x \\' y' }}",
    ]
    samples = preview.sample_data(DataObject.objects.all())
    got = page.evaluate(
        "([ts, s]) => ts.map(t => SmsMessageEditor.renderSample(t, s))", [templates, samples]
    )
    expected = [preview._render(t, samples, longest=False) for t in templates]
    assert got == expected
    assert got[0] == "Hi Amélie, €1,249.90 due 15/12/2026."
