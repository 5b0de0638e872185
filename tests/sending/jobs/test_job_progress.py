"""The job page's numbers: counts per state, progress, the current rate and the ETA (measured
rate while sending, the profile's cap otherwise), grouped errors and the last messages."""

from __future__ import annotations

import pytest

from sending.jobs import watch
from sending.models import BulkJob, Message
from tests.sending.jobs.watch_helpers import add_messages, add_seconds, make_job

pytestmark = pytest.mark.django_db
NOW = 1_800_000_000


def _count(data: dict, state: str) -> int:
    return next(entry["messages"] for entry in data["counts"] if entry["state"] == state)


def test_it_counts_messages_per_state_and_the_parts_left(make_profile):
    job = make_job(make_profile(), {"queued": 3, "sent": 5, "failed": 2})
    add_messages(job, {"retrying": 1}, parts=3)
    data = watch.progress(job, now=NOW)
    assert (_count(data, "queued"), _count(data, "sent"), _count(data, "failed")) == (3, 5, 2)
    assert _count(data, "delivered") == 0
    assert data["total"] == 11
    assert data["pending"] == 4  # queued and retrying wait for the SMSC
    assert data["done"] == 7
    assert data["remaining_parts"] == 3 + 3  # no import totals: summed exactly
    assert data["percent"] == 63


def test_it_estimates_the_parts_left_from_the_import_totals(make_profile):
    job = make_job(make_profile(), {"queued": 4, "sent": 6}, totals={"messages": 10, "parts": 25})
    assert watch.remaining_parts(job, watch.state_counts(job)) == 10  # 4 waiting × 2.5 parts
    assert watch.remaining_parts(job, {"sent": 10}) == 0


def test_it_reads_100_percent_only_when_nothing_waits(make_profile):
    job = make_job(make_profile(), {"sent": 999, "queued": 1})
    assert watch.progress(job, now=NOW)["percent"] == 99
    Message.objects.filter(job=job, status="queued").update(status="failed")
    assert watch.progress(job, now=NOW)["percent"] == 100


def test_it_measures_the_rate_over_the_last_ten_complete_seconds(make_profile):
    job = make_job(make_profile(throughput=500), {"queued": 1000, "sent": 100})
    # 20 s ago at 1,000/s (outside the window), then 40/s; the current second is not complete.
    add_seconds(job, {NOW - 20: 1000, **{NOW - s: 40 for s in range(1, 11)}, NOW: 999})
    rate = watch.rate(job, remaining_parts=1000, now=NOW)
    assert rate.source == "measured"
    assert rate.measured == 40
    assert rate.eta_seconds == 25  # 1,000 parts at 40/s, not at the cap of 500/s


def test_it_measures_over_fewer_seconds_right_after_the_start(make_profile):
    job = make_job(make_profile(throughput=500), {"queued": 10})
    add_seconds(job, {NOW - 2: 100, NOW - 1: 300})
    assert watch.measured_rate(job, now=NOW) == 200  # (100 + 300) / 2, not / 10


def test_it_uses_the_cap_before_the_job_has_sent(make_profile):
    job = make_job(make_profile(throughput=500), {"queued": 1000}, status=BulkJob.Status.SCHEDULED)
    add_seconds(job, {NOW - 1: 50})  # seconds of a scheduled (not running) job do not count
    rate = watch.rate(job, remaining_parts=1000, now=NOW)
    assert (rate.source, rate.measured, rate.cap, rate.eta_seconds) == ("cap", None, 500, 2)
    assert "500" in watch.progress(job, now=NOW)["rate"]["text"]


def test_it_gives_no_eta_without_a_cap_or_a_measured_rate(make_profile):
    job = make_job(make_profile(throughput=0), {"queued": 10})
    rate = watch.rate(job, remaining_parts=10, now=NOW)
    assert (rate.source, rate.eta_seconds) == ("", None)


def test_it_gives_an_eta_of_zero_when_nothing_is_left(make_profile):
    job = make_job(make_profile(throughput=0), {"sent": 10})
    assert watch.rate(job, remaining_parts=0, now=NOW).eta_seconds == 0


def test_it_formats_durations_the_same_in_every_language():
    assert watch.format_duration(25) == "0:25"
    assert watch.format_duration(3725) == "1:02:05"
    assert watch.format_duration(None) == ""


def test_it_groups_errors_by_code_and_reason_most_frequent_first(make_profile):
    job = make_job(make_profile(), {"sent": 2})
    add_messages(job, {"failed": 3}, error_code="ESME_RINVDSTADR", error_reason="invalid number")
    add_messages(job, {"failed": 1}, error_code="ESME_RINVDSTADR", error_reason="other text")
    add_messages(job, {"retrying": 2}, error_code="ESME_RTHROTTLED", error_reason="throttled")
    add_messages(job, {"failed": 1}, error_code="", error_reason="")  # nothing to group
    assert [
        (e["error_code"], e["error_reason"], e["count"]) for e in watch.grouped_errors(job)
    ] == [
        ("ESME_RINVDSTADR", "invalid number", 3),
        ("ESME_RTHROTTLED", "throttled", 2),
        ("ESME_RINVDSTADR", "other text", 1),
    ]


def test_it_lists_the_messages_handled_last_and_never_queued_ones(make_profile):
    job = make_job(make_profile(), {"sent": 30, "queued": 5})
    add_messages(job, {"failed": 2})
    counts = watch.state_counts(job)
    last = watch.last_messages(job, counts, limit=20)
    assert len(last) == 20
    assert all(message.status != "queued" for message in last)
    rows = [message.row for message in last]
    assert max(rows) == 38  # the failed ones, added last
    assert rows == sorted(rows, reverse=True)


def test_it_shows_the_pause_reason_only_while_paused(make_profile):
    job = make_job(make_profile(), {"queued": 1}, status=BulkJob.Status.PAUSED,
                   pause_reason="bind refused: ESME_RBINDFAIL", auto_paused=True)  # fmt: skip
    data = watch.progress(job, now=NOW)
    assert (data["paused"], data["auto_paused"]) == (True, True)
    assert data["pause_reason"] == "bind refused: ESME_RBINDFAIL"
    job.status = BulkJob.Status.RUNNING
    assert watch.progress(job, now=NOW)["pause_reason"] == ""


def test_it_shows_the_average_rate_once_the_job_is_over(make_profile):
    job = make_job(make_profile(throughput=500), {"sent": 10}, status=BulkJob.Status.FINISHED)
    add_seconds(job, {NOW: 100, NOW + 3: 300})  # 400 parts over four seconds
    assert watch.average_rate(job) == (100, 4)
    assert watch.progress(job, now=NOW + 60)["rate"]["text"].startswith("100.0 parts/s on average")


@pytest.mark.parametrize(
    ("status", "receipts", "states", "awaiting"),
    [
        (BulkJob.Status.FINISHED, "final", {"sent": 2, "delivered": 3}, True),
        (BulkJob.Status.FINISHED, "final", {"delivered": 5}, False),  # every receipt came
        (BulkJob.Status.FINISHED, "none", {"sent": 5}, False),  # none will come
        (BulkJob.Status.FINISHED, "failure", {"sent": 5}, False),  # only failures report
        (BulkJob.Status.RUNNING, "final", {"sent": 5}, False),  # polled anyway
    ],
)
def test_a_finished_job_awaits_receipts_only_when_some_are_still_due(
    make_profile, status, receipts, states, awaiting
):
    job = make_job(make_profile(delivery_receipts=receipts), states, status=status)
    assert watch.progress(job, now=NOW)["awaiting_receipts"] is awaiting
