"""A real worker process SIGKILLed while receipts arrive on its bind loses none: every receipt
the SMSC saw answered is written, and the unanswered ones come again, on the receiver's bind."""

from __future__ import annotations

import signal
import time

import pytest
from django.db.models import Sum

from profiles import choices
from sending.models import BulkJob, JobSecond, Message, MessagePart, UnmatchedReceipt
from tests.sending.jobs import bulk_support
from tests.sending.jobs.bulk_support import counts, make_job, tick

from .conftest import bound, wait_until

pytestmark = [pytest.mark.peer, pytest.mark.django_db(transaction=True)]


def test_no_receipt_is_lost_when_the_worker_is_killed_while_they_arrive(
    netsmpp, smpp_profile, workers, receiver
):
    peer = netsmpp(receipt_delay=4)
    profile = smpp_profile(
        peer, bind_mode=choices.BindMode.TRANSCEIVER, processing_mode="async", throughput=100,
        max_binds=3, enquire_link_interval=5,
    )  # fmt: skip
    job = make_job(profile, 300)
    [worker] = workers(1)
    assert bulk_support.wait_until(lambda: counts(job) == {"sent": 300}, 60, tick=tick), counts(job)
    # The job is sent; its receipts arrive on the worker's pooled (idle) transceiver bind.
    assert wait_until(lambda: len(_answered(peer)) >= 50, 30, step=0.01)
    worker.kill()  # about a third of the receipts answered

    answered = _answered(peer)
    assert len(answered) < 300
    assert answered <= _written(), sorted(answered - _written())[:5]  # every answered one

    # The others are sent again, to the receiver's bind, and written there.
    running = receiver(profile)
    assert bound(running, profile)
    assert wait_until(lambda: _delivered(job) == 300, 60), _delivered(job)
    assert not UnmatchedReceipt.objects.exists()
    assert JobSecond.objects.filter(job=job).aggregate(n=Sum("delivered"))["n"] == 300
    assert peer.wait_for(lambda: len(_answered(peer)) == 300, timeout=10)
    assert [e for e in peer.events("deliver_sm") if e["redelivery"]]  # some were unanswered
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FINISHED


def test_no_receipt_is_lost_when_the_worker_is_killed_while_it_sends(
    netsmpp, smpp_profile, workers, receiver, settings
):
    peer = netsmpp(receipt_delay=0.5)
    profile = smpp_profile(
        peer, bind_mode=choices.BindMode.TRANSCEIVER, processing_mode="async", throughput=100,
        max_binds=3, enquire_link_interval=5,
    )  # fmt: skip
    job = make_job(profile, 600)
    settings.SMSPORTAL_BULK_SLOT_TTL = 3  # the dead worker's slot is offered again soon
    quick = {"SMSPORTAL_BULK_LEASE": 3, "SMSPORTAL_BULK_SLOT_TTL": 3, "SMSPORTAL_BIND_LEASE_TTL": 3}
    [worker] = workers(1, **quick)
    # Receipts arrive on the job's own (sending) bind while it sends.
    assert bulk_support.wait_until(lambda: len(_answered(peer)) >= 100, 30, step=0.01, tick=tick)
    _kill_while_some_are_unanswered(worker, peer)

    answered = _answered(peer)
    assert len(peer.accepted()) < 600  # killed in the middle of the job
    assert answered <= _written(), sorted(answered - _written())[:5]  # every answered one

    running = receiver(profile)
    assert bound(running, profile)
    workers(1, **quick)  # finishes the job; the unanswered receipts come to either bind
    assert bulk_support.settle(job).status == BulkJob.Status.FINISHED
    accepted = {e["message_id"] for e in peer.accepted()}
    assert wait_until(lambda: _written() == accepted, 30), len(accepted - _written())
    assert not MessagePart.objects.filter(message__job=job, receipt_status="").exists()
    final = counts(job)
    assert final["delivered"] + final.get("possibly_sent", 0) == 600, final
    # None applied twice: each delivery counted once.
    assert (
        JobSecond.objects.filter(job=job).aggregate(n=Sum("delivered"))["n"] == final["delivered"]
    )
    assert [e for e in peer.events("deliver_sm") if e["redelivery"]]  # some were unanswered


def _kill_while_some_are_unanswered(worker, peer) -> None:
    """SIGKILL the worker at a moment it holds receipts it has not answered. It answers within
    milliseconds while it sends, so it is frozen (SIGSTOP) until the SMSC's log shows one
    waiting, let go again if none does, then killed while frozen."""
    for _attempt in range(200):
        worker.process.send_signal(signal.SIGSTOP)
        time.sleep(0.05)  # the SMSC logs what it sent and what came back
        events = peer.events()
        answered = {e["n"] for e in events if e["event"] == "deliver_sm_resp"}
        if any(e["n"] not in answered for e in events if e["event"] == "deliver_sm"):
            break
        worker.process.send_signal(signal.SIGCONT)
        time.sleep(0.02)
    worker.kill()


def _written() -> set[str]:
    """Provider ids of every receipt written: on its part, or waiting for one (a message
    possibly sent when the worker died has no part)."""
    parts = MessagePart.objects.exclude(receipt_status="").values_list("provider_id", flat=True)
    waiting = UnmatchedReceipt.objects.values_list("provider_id", flat=True)
    return set(parts) | set(waiting)


def _answered(peer) -> set[str]:
    """The receipt ids the SMSC got ESME_ROK for (its log pairs each answer with its item)."""
    events = peer.events()
    ids = {e["n"]: e["receipt_id"] for e in events if e["event"] == "deliver_sm"}
    return {ids[e["n"]] for e in events if e["event"] == "deliver_sm_resp" and e["status"] == 0}


def _delivered(job) -> int:
    return job.messages.filter(status=Message.Status.DELIVERED).count()
