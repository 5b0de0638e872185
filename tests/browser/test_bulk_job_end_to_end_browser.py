"""One bulk job the way a person runs it, in headless Chromium, with every part real: the upload
and the column mapping in the admin, the import in a Celery worker process (default queue),
`celery beat` ticking the dispatcher and the sweeper, a bulk worker process sending to our SMPP
sandbox on a transmitter bind, the receiver process taking the receipts on its receiver bind,
the job page's bar filling without a reload, pause and resume, and the CSV export read back. The
SMSC's own log says who got what."""

from __future__ import annotations

import csv
import time
from collections import Counter

import pytest

from profiles import choices
from sending.models import BulkJob, OptOut
from smsportal import redis_client
from tests.peers.smsc import smpp_profile, start_peer, whole_messages
from tests.sending.jobs.bulk_support import Beat, Listener, Worker
from tests.support import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.peer, pytest.mark.django_db(transaction=True)]

KIMS = 24
CSV = (
    "Mobile;Prénom;Langue\n"
    "+4915112345678;Ada;en\n"  # row 2
    "0151 12345679;Émile;fr\n"  # row 3: national format, the job's default country (DE)
    "12345;Bob;en\n"  # row 4: not a number
    "+4915112345670;Zoë;xx\n"  # row 5: not a language of the message
    "+4915112345678;Ada;en\n"  # row 6: the same recipient as row 2
    "+4915112345671;;de\n"  # row 7: the placeholder's value is missing
    "+4915112345672;Otto;de\n"  # row 8: on the opt-out list
    + "".join(f"+49151200{n:05d};Kim {n};de\n" for n in range(KIMS))
)
EXPECTED = {
    "+4915112345678": "Hello Ada, your order is ready.",
    "+4915112345679": "Bonjour Émile, votre commande est prête.",
    **{f"+49151200{n:05d}": f"Hello Kim {n}, your order is ready." for n in range(KIMS)},
}
NEVER_SENT = {"+4915112345670", "+4915112345671", "+4915112345672"}
CAP = 5  # parts per second: the job runs long enough (about 5 s) to be watched and paused


@pytest.fixture
def portal(tmp_path, redis_url, settings):
    """What `make run` starts, as separate processes: the SMSC sandbox, a worker on the default
    queue (imports, dispatcher, sweeper), a worker on the bulk queue, beat and the receiver. All
    of them use this test's database, Redis and upload folder."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
    env = {"SMSPORTAL_MEDIA_ROOT": settings.MEDIA_ROOT}
    client = redis_client.client(redis_url)
    for key in client.scan_iter("smsportal:binds:*"):  # profile ids repeat after a flush
        client.delete(key)
    smsc = start_peer("sandbox", tmp_path / "sandbox.jsonl")
    children = [
        Worker("default", tmp_path, queues="celery", **env),
        Worker("bulk", tmp_path, queues="bulk", **env),
        Beat(tmp_path, **env),
        Listener(tmp_path, **env),
    ]
    try:
        for child in children:
            assert child.ready(), child.log_path.read_text()
        yield smsc
    finally:
        for child in children:
            child.stop()
        smsc.stop()


def _log_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("pw-root-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def _bound(smsc, mode: str) -> bool:
    return any(event["mode"] == mode and event["status"] == 0 for event in smsc.events("bind"))


def test_it_runs_a_job_from_upload_to_export_on_real_workers_beat_and_smsc(
    page, live_server, superuser, make_profile, portal, tmp_path
):
    smsc = portal
    profile = smpp_profile(
        make_profile,
        smsc,
        name="Sandbox SMSC",
        is_global=True,
        multilingual=True,
        bind_mode=choices.BindMode.TRANSMITTER,
        delivery_receipts=choices.DeliveryReceipts.FINAL,
        max_binds=2,  # the receiver's bind and the sender's
        enquire_link_interval=5,
        throughput=CAP,
        message="Hello {{ customer.first_name }}, your order is ready.",
        message_fr="Bonjour {{ customer.first_name }}, votre commande est prête.",
    )
    OptOut.objects.create(number="+4915112345672", reason="asked by phone")
    upload = tmp_path / "customers.csv"
    upload.write_text(CSV, encoding="utf-8")

    # 1. The file.
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/sending/bulkjob/add/")
    page.get_by_label("Profile").select_option(str(profile.pk))
    page.get_by_label("Name").fill("Order ready")
    page.get_by_label("Recipient file").set_input_files(str(upload))
    screenshot(page, "bulk-e2e-1-file")
    page.get_by_role("button", name="Next: map the columns").click()

    # 2. The mapping: the guess misses "Prénom"; the user fixes it.
    selects = page.locator("#bulk-mapping select")
    selects.first.wait_for()
    assert [selects.nth(n).input_value() for n in range(3)] == ["phone", "", "language"]
    selects.nth(1).select_option("data:customer.first_name")
    screenshot(page, "bulk-e2e-2-mapping")
    page.get_by_role("button", name="Import").click()

    # 3. The import runs in the default worker process; the page moves on by itself.
    page.wait_for_url("**/report/", timeout=30_000)
    job = BulkJob.objects.get(name="Order ready")
    assert job.status == BulkJob.Status.READY
    counts = page.locator("#bulk-counts").inner_text()
    for figure in (f"{KIMS + 7}\nrows read", f"{KIMS + 2}\nmessages", "1\nsuppressed"):
        assert figure in counts, counts
    issues = page.locator("#bulk-issues").inner_text()
    for reason in (
        "“12345” is not a valid mobile number",
        "“xx” is not one of the message languages",
        "appears earlier in the file (row 2)",
        "No value for customer.first_name",
    ):
        assert reason in issues, issues
    preview = page.locator("#bulk-preview")
    assert preview.get_by_text(EXPECTED["+4915112345678"]).is_visible()
    assert preview.get_by_text(EXPECTED["+4915112345679"]).is_visible()
    assert preview.locator("tbody tr").count() == 20
    screenshot(page, "bulk-e2e-3-report")

    # 4. Start now: beat's dispatcher hands the job to the bulk worker.
    assert smsc.wait_for(lambda: _bound(smsc, "receiver"), 15)  # the receiver found the profile
    page.get_by_role("button", name="Start the job").click()
    page.wait_for_url(f"**/bulkjob/{job.pk}/watch/")
    page.get_by_text("The job starts now.").wait_for()
    page.wait_for_function(
        "() => { const p = parseInt(document.getElementById('bulk-percent').textContent);"
        " return p >= 10 && p < 100; }",
        timeout=20_000,
    )
    screenshot(page, "bulk-e2e-4-running")

    # 5. Pause: the sending stops; resume: it goes on.
    page.locator("#bulk-action-pause").click()
    page.locator("#bulk-pause-reason").wait_for()
    time.sleep(1.0)  # a sender notices within a second
    paused_at = len(smsc.accepted())
    time.sleep(1.5)
    assert len(smsc.accepted()) == paused_at < len(EXPECTED)
    assert page.locator("#bulk-action-pause").count() == 0
    assert page.locator("#bulk-eta").count() == 0  # no "time left" while nothing is sent
    screenshot(page, "bulk-e2e-5-paused")
    page.locator("#bulk-action-resume").click()
    page.get_by_text("The job runs again.").wait_for()
    page.evaluate("window.__sameDocument = true")

    # 6. The bar reaches 100 % by polling, no reload; the last receipts come after the end and
    # the page keeps polling for them.
    page.locator("#bulk-percent").get_by_text("100 %").wait_for(timeout=30_000)
    page.locator("#bulk-summary").get_by_text("Finished").wait_for(timeout=10_000)
    states = page.locator("#bulk-states")
    delivered = states.locator("[data-state=delivered] strong")
    delivered.get_by_text(str(len(EXPECTED)), exact=True).wait_for(timeout=15_000)
    assert page.evaluate("window.__sameDocument") is True
    assert page.locator("#bulk-action-resume").count() == 0
    assert states.locator("[data-state=sent] strong").inner_text() == "0"
    assert states.locator("[data-state=failed] strong").inner_text() == "0"
    screenshot(page, "bulk-e2e-6-finished")

    # 7. The export: every good row once, delivered (the receiver took the receipts).
    with page.expect_download() as download_info:
        page.locator("#bulk-export-csv").click()
    with open(download_info.value.path(), encoding="utf-8-sig") as exported:
        rows = list(csv.DictReader(exported))
    assert Counter(row["recipient"] for row in rows) == Counter(set(EXPECTED))
    assert {row["recipient"]: row["text"] for row in rows} == EXPECTED
    assert {row["state"] for row in rows} == {"delivered"}
    assert all(row["provider ids"] and row["sent"] for row in rows)

    # 8. At the SMSC: each good recipient got exactly one message, the right one; no bad row.
    arrived = [("+" + to, text) for to, text in whole_messages(smsc.accepted())]
    assert Counter(to for to, _text in arrived) == Counter(set(EXPECTED))
    assert dict(arrived) == EXPECTED
    assert not NEVER_SENT & {to for to, _text in arrived}
