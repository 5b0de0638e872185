"""A bulk job's receipts: all matched, counted per second, and none lost when the receiver is
killed (the SMSC sends again what was never answered)."""

from __future__ import annotations

import threading

import pytest
from django.db.models import Sum

from sending import services
from sending.models import BulkJob, JobSecond, Message, UnmatchedReceipt

from .conftest import bound, receiving_profile, wait_until

pytestmark = [pytest.mark.peer, pytest.mark.django_db(transaction=True)]


def _job(profile, count: int) -> tuple[BulkJob, list[int]]:
    job = BulkJob.objects.create(name="Receipts", profile=profile, status=BulkJob.Status.RUNNING)
    Message.objects.bulk_create(
        Message(
            profile=profile,
            job=job,
            row=i + 1,
            kind=Message.Kind.BULK,
            to=f"+4915{200000000 + i}",
            sender="ACME",
            text=f"Bulk {i}",
            encoding="gsm7",
            parts_count=1,
        )  # fmt: skip
        for i in range(count)
    )
    return job, list(job.messages.values_list("pk", flat=True))


def _delivered(job) -> int:
    return job.messages.filter(status=Message.Status.DELIVERED).count()


def test_it_matches_every_receipt_of_a_1000_message_job(netsmpp, smpp_profile, receiver):
    peer = netsmpp()
    profile = receiving_profile(smpp_profile, peer, window_size=50)
    running = receiver(profile)
    assert bound(running, profile)
    job, ids = _job(profile, 1000)

    services.send_messages(ids)

    assert wait_until(lambda: _delivered(job) == 1000, timeout=60), _delivered(job)
    assert not UnmatchedReceipt.objects.exists()
    assert JobSecond.objects.filter(job=job).aggregate(n=Sum("delivered"))["n"] == 1000
    assert peer.wait_for(lambda: _answered(peer) == 1000)


def test_it_loses_no_receipt_when_the_receiver_is_killed(netsmpp, smpp_profile, receiver_process):
    peer = netsmpp(receipt_delay=1)
    profile = receiving_profile(smpp_profile, peer, window_size=50)
    job, ids = _job(profile, 1000)
    process = receiver_process(profile)
    assert peer.wait_for(lambda: peer.events("bind"), timeout=20)

    sender = threading.Thread(target=services.send_messages, args=(ids,))
    sender.start()
    assert wait_until(lambda: _delivered(job) >= 100, timeout=30, step=0.02)
    process.kill()  # SIGKILL in the middle of the receipts: no unbind, leases left behind
    killed_at = _delivered(job)
    sender.join(60)
    assert killed_at < 1000 and _delivered(job) == killed_at  # nobody hears them meanwhile

    receiver_process(profile)  # binds again once the dead process's leases expire
    assert wait_until(lambda: _delivered(job) == 1000, timeout=60), _delivered(job)

    assert not UnmatchedReceipt.objects.exists()
    assert JobSecond.objects.filter(job=job).aggregate(n=Sum("delivered"))["n"] == 1000
    # Every receipt was answered in the end; those unanswered at the kill were sent again, on
    # a later bind, and never two receiving binds at once.
    answered = peer.wait_for(lambda: _answered(peer) == 1000 and _answered(peer))
    assert answered == 1000
    receiver_sessions = [b["session"] for b in peer.events("bind") if b["mode"] == "receiver"]
    assert len(receiver_sessions) >= 2
    assert max_open(peer, receiver_sessions) == 1
    redelivered = [e for e in peer.events("deliver_sm") if e["redelivery"]]
    assert redelivered and all(e["session"] != receiver_sessions[0] for e in redelivered)


def _answered(peer) -> int:
    return len({e["n"] for e in peer.events("deliver_sm_resp") if e["status"] == 0})


def max_open(peer, sessions) -> int:
    """The most of these sessions bound at the same time, from the peer's log."""
    most = current = 0
    for event in peer.events():
        if event.get("session") not in sessions:
            continue
        if event["event"] == "bind":
            current += 1
        elif event["event"] == "closed":
            current -= 1
        most = max(most, current)
    return most
