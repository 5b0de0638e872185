"""The bulk job page in headless Chromium: a job whose messages a background thread marks sent,
batch by batch, the way the engine writes them (states, parts, one JobSecond row per second);
the bar reaches 100 % without a reload, and the export downloads."""

from __future__ import annotations

import csv
import io
import threading
import time

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from sending.models import BulkJob, JobSecond, Message
from tests.sending.jobs.watch_helpers import add_messages, make_job
from tests.support import ARTIFACTS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TOTAL = 240
BATCH = 12


def _log_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("pw-root-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def _send_in_batches(job: BulkJob, started: threading.Event, stop: threading.Event) -> None:
    """A stand-in for the workers: claims queued messages in id order and marks them sent (every
    eleventh fails), counting parts per second as the engine does."""
    try:
        started.wait(20)
        while not stop.is_set():
            ids = list(
                Message.objects.filter(job=job, status="queued").order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            )  # fmt: skip
            if not ids:
                break
            now = timezone.now()
            failing = [pk for pk in ids if pk % 11 == 0]
            Message.objects.filter(pk__in=failing).update(
                status="failed", error_code="ESME_RINVDSTADR", error_reason="Invalid destination",
                last_attempt_at=now, finished_at=now, attempts=1,
            )  # fmt: skip
            sent = [pk for pk in ids if pk not in failing]
            Message.objects.filter(pk__in=sent).update(
                status="sent", sent_at=now, last_attempt_at=now, attempts=1
            )
            second, _created = JobSecond.objects.get_or_create(job=job, second=int(time.time()))
            JobSecond.objects.filter(pk=second.pk).update(
                parts_sent=F("parts_sent") + 2 * len(sent),
                messages_sent=F("messages_sent") + len(sent), failed=F("failed") + len(failing),
            )  # fmt: skip
            time.sleep(0.25)
        BulkJob.objects.filter(pk=job.pk).update(
            status=BulkJob.Status.FINISHED, finished_at=timezone.now()
        )
    finally:
        connection.close()


def test_it_fills_the_bar_to_100_percent_without_a_reload_and_exports(
    page, live_server, superuser, make_profile
):
    profile = make_profile(name="Sandbox SMSC (demo)", throughput=100)
    job = make_job(profile, {}, name="Spring reminder", started_at=timezone.now())
    add_messages(job, {"queued": TOTAL}, parts=2)
    started, stop = threading.Event(), threading.Event()
    sender = threading.Thread(target=_send_in_batches, args=(job, started, stop), daemon=True)
    sender.start()
    try:
        _log_in(page, live_server)
        page.goto(f"{live_server.url}/admin/sending/bulkjob/{job.pk}/watch/")
        assert page.locator("#bulk-percent").inner_text() == "0 %"
        page.evaluate("window.__sameDocument = true")
        started.set()
        page.wait_for_function(
            "() => { const p = parseInt(document.getElementById('bulk-percent').textContent);"
            " return p >= 30 && p < 100; }"
        )
        screenshot(page, "bulk-job-running")
        page.screenshot(path=str(ARTIFACTS / "bulk-job-running-top.png"))  # the README's
        assert page.locator("#bulk-chart polyline.bulk-chart-parts").count() == 1
        page.locator("#bulk-percent").get_by_text("100 %").wait_for(timeout=60_000)
        page.locator("#bulk-summary").get_by_text("Finished").wait_for()
        assert "on average" in page.locator("#bulk-rate").inner_text()
        assert page.evaluate("window.__sameDocument") is True  # no reload happened
        states = page.locator("#bulk-states")
        failed = Message.objects.filter(job=job, status="failed").count()
        assert states.locator("[data-state=failed] strong").inner_text() == str(failed)
        assert states.locator("[data-state=sent] strong").inner_text() == str(TOTAL - failed)
        assert page.locator("#bulk-errors").get_by_text("Invalid destination").is_visible()
        assert page.locator("#bulk-last tbody tr").count() == 20
        page.locator("#bulk-export").get_by_text("Failed", exact=True).click()
        screenshot(page, "bulk-job-finished")
        with page.expect_download() as download_info:
            page.locator("#bulk-export-csv").click()
        download = download_info.value
        assert download.suggested_filename == f"job-{job.pk}-messages.csv"
        rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))
        assert len(rows) == 1 + failed and {row[5] for row in rows[1:]} == {"failed"}
    finally:
        stop.set()
        sender.join(10)
