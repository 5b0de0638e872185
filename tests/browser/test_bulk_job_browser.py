"""Add bulk job in headless Chromium: upload a CSV with bad rows, fix the guessed mapping, watch
the import (a real Celery worker on Redis) and read the report and the preview."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker

from smsportal.celery import app as celery_app
from tests.support import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "Mobile;Prénom;Langue\n"
    "+4915112345678;Ada;en\n"
    "0151 12345679;Émile;fr\n"
    "12345;Bob;en\n"
    "+4915112345670;Zoë;xx\n"
    "+4915112345678;Ada;en\n"
    "+4915112345671;;de\n" + "".join(f"+49151200{n:05d};Kim {n};de\n" for n in range(30))
)


def test_it_uploads_maps_imports_and_previews_a_job(
    page, live_server, superuser, make_profile, tmp_path, redis_url, settings
):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    celery_app.conf.broker_url = redis_url
    profile = make_profile(
        name="Bulk profile",
        is_global=True,
        multilingual=True,
        message="Hello {{ customer.first_name }}, your order is ready.",
        message_fr="Bonjour {{ customer.first_name }}, votre commande est prête.",
    )
    path = tmp_path / "customers.csv"
    path.write_text(CSV, encoding="utf-8")

    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        page.goto(f"{live_server.url}/admin/login/")
        page.get_by_label("Username").fill("root")
        page.get_by_label("Password").fill("pw-root-1")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/admin/")

        page.goto(f"{live_server.url}/admin/sending/bulkjob/add/")
        page.get_by_label("Profile").select_option(str(profile.pk))
        page.get_by_label("Name").fill("Order ready")
        page.get_by_label("Recipient file").set_input_files(str(path))
        screenshot(page, "bulk-1-recipients")
        page.get_by_role("button", name="Next: map the columns").click()

        page.get_by_text("Map the columns").first.wait_for()
        selects = page.locator("#bulk-mapping select")
        assert selects.nth(0).input_value() == "phone"
        assert selects.nth(2).input_value() == "language"
        assert selects.nth(1).input_value() == ""  # "Prénom" is not a name the guess knows
        selects.nth(1).select_option("data:customer.first_name")
        screenshot(page, "bulk-2-mapping")
        page.get_by_role("button", name="Import").click()

        page.wait_for_url("**/report/", timeout=30_000)
        counts = page.locator("#bulk-counts").inner_text()
        assert "36\nrows read" in counts and "32\nmessages" in counts
        preview = page.locator("#bulk-preview")
        assert preview.get_by_text("Hello Ada, your order is ready.").is_visible()
        assert preview.get_by_text("Bonjour Émile, votre commande est prête.").is_visible()
        assert preview.locator("tbody tr").count() == 20
        issues = page.locator("#bulk-issues").inner_text()
        assert "“12345” is not a valid mobile number" in issues
        assert "“xx” is not one of the message languages" in issues
        assert "appears earlier in the file (row 2)" in issues
        assert "No value for customer.first_name" in issues
        assert page.locator("#bulk-by-encoding").get_by_text("GSM 7-bit").is_visible()
        screenshot(page, "bulk-3-report")

        page.get_by_label("Send window opens").fill("09:00")
        page.get_by_label("Send window closes").fill("09:00")
        page.get_by_role("button", name="Start the job").click()
        page.get_by_text("it would never be open").wait_for()
        screenshot(page, "bulk-4-start-refused")
        page.get_by_label("Send window closes").fill("20:00")
        page.get_by_role("button", name="Start the job").click()
        page.get_by_text("The job starts now.").wait_for()
        screenshot(page, "bulk-5-scheduled")
