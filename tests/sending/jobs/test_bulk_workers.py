"""Bulk jobs on real Celery worker processes (solo pool, the bulk queue) against the Net::SMPP
server; the test plays Celery beat by calling the dispatcher and the sweeper itself."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from sending.jobs import control, sweeper
from sending.models import BulkJob, Message
from tests.sending.jobs.bulk_support import counts, make_job, settle, tick, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.peer]


def destinations(peer) -> Counter:
    return Counter(r["destination_addr"] for r in peer.accepted())


def test_two_workers_send_a_5000_recipient_job_each_message_exactly_once(
    start_smsc, smpp_profile, workers
):
    peer = start_smsc("netsmpp", fork=True)
    profile = smpp_profile(
        peer, processing_mode="async", window_size=50, max_binds=2, delivery_receipts="none"
    )  # no receiver bind to leave: both binds send
    job = make_job(profile, 5000)
    workers(2)

    assert settle(job).status == BulkJob.Status.FINISHED

    assert counts(job) == {"sent": 5000}
    arrived = destinations(peer)
    assert len(arrived) == 5000 and set(arrived.values()) == {1}
    sessions = Counter(r["session"] for r in peer.accepted())
    assert len(sessions) == 2 and min(sessions.values()) > 500  # both workers sent a share
    ids = set(Message.objects.filter(job=job).values_list("parts__provider_id", flat=True))
    assert len(ids) == 5000


def test_it_pauses_resumes_and_cancels_within_a_second(start_smsc, smpp_profile, workers):
    peer = start_smsc("netsmpp")
    profile = smpp_profile(peer, processing_mode="async", throughput=400)
    job = make_job(profile, 4000)
    workers(1)
    assert wait_until(lambda: len(peer.accepted()) > 300, 30, tick=tick)

    control.pause(job.pk)
    time.sleep(1.0)
    paused_at = len(peer.accepted())
    time.sleep(1.5)
    assert len(peer.accepted()) == paused_at  # nothing more after a second
    assert counts(job).get("sent") == paused_at  # what reached the SMSC is recorded
    assert set(counts(job)) == {"sent", "queued"}

    control.resume(job.pk)
    assert wait_until(lambda: len(peer.accepted()) > paused_at + 300, 30, tick=tick)
    control.cancel(job.pk)
    time.sleep(1.0)
    cancelled_at = len(peer.accepted())
    time.sleep(1.5)
    tick()
    assert len(peer.accepted()) == cancelled_at
    final = counts(job)
    assert final["sent"] == cancelled_at and final["cancelled"] == 4000 - cancelled_at
    assert set(destinations(peer).values()) == {1}


def test_after_a_sigkill_nothing_is_lost_and_possibly_sent_is_bounded_and_flagged(
    start_smsc, smpp_profile, workers, settings
):
    peer = start_smsc("netsmpp")
    profile = smpp_profile(peer, processing_mode="async", window_size=20, throughput=1000)
    job = make_job(profile, 5000)
    settings.SMSPORTAL_BULK_SLOT_TTL = 3  # the dead worker's slot is offered again soon
    quick = {"SMSPORTAL_BULK_LEASE": 3, "SMSPORTAL_BULK_CHUNK": 50, "SMSPORTAL_BULK_SLOT_TTL": 3,
             "SMSPORTAL_BIND_LEASE_TTL": 3}  # fmt: skip
    (first,) = workers(1, **quick)
    assert wait_until(lambda: len(peer.accepted()) > 1000, 30, tick=tick)

    first.kill()
    time.sleep(3.5)  # the claim's lease runs out
    sweeper.sweep()
    possibly = Message.objects.filter(job=job, status=Message.Status.POSSIBLY_SENT)
    assert 0 < possibly.count() <= 2 * 50 + 20  # two chunks and a window at most
    assert set(possibly.values_list("error_code", flat=True)) == {"possibly_sent"}
    # The chunk claimed ahead (after the one being sent, which starts at most a window past the
    # last message the SMSC got) was never handed to the transport: queued again, not flagged.
    ids = dict(Message.objects.filter(job=job).values_list("to", "pk"))
    last_at_smsc = max(ids[f"+{number}"] for number in destinations(peer))
    assert max(possibly.values_list("pk", flat=True)) <= last_at_smsc + 20 + 50
    assert not Message.objects.filter(job=job, status__in=("sending", "submitting")).exists()

    workers(1, **quick)
    assert settle(job).status == BulkJob.Status.FINISHED
    final = counts(job)
    assert final["sent"] + final["possibly_sent"] == 5000  # nothing lost
    arrived = destinations(peer)
    sent = Message.objects.filter(job=job, status="sent").values_list("to", flat=True)
    assert all(arrived[number.lstrip("+")] == 1 for number in sent)  # none sent twice
    # Possibly sent ones were left for the user (the profile's default), not resent.
    assert all(arrived[n.lstrip("+")] <= 1 for n in possibly.values_list("to", flat=True))
