"""Maximum simultaneous binds holds with senders and receivers together, counted at the SMSC."""

from __future__ import annotations

import threading

import pytest

from sending import services
from sending.jobs import dispatcher, leases, runner, slots
from sending.models import Message

from .conftest import bound, receiving_profile, wait_until
from .test_receiver_bulk import _delivered, _job, max_open

SENT_OR_DELIVERED = (Message.Status.SENT, Message.Status.DELIVERED)

pytestmark = [pytest.mark.peer, pytest.mark.django_db(transaction=True)]


def _queued(profile, count: int) -> list[int]:
    return [
        services.create_message(profile, f"+4915{300000000 + i}", text=f"Hi {i}").pk
        for i in range(count)
    ]


def _leased_sender(profile, ids, sent: list) -> threading.Thread:
    """A sending worker as the bulk engine runs one: lease first, then bind and send."""

    def run():
        lease = leases.acquire(profile.pk, profile.max_binds, 10, "test:send", wait=30)
        assert lease is not None
        with lease:
            sent.extend(services.send_messages(ids))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _sessions(peer) -> list[int]:
    return [b["session"] for b in peer.events("bind") if b["status"] == 0]


def test_it_gives_its_only_bind_to_a_sender_and_takes_it_back(netsmpp, smpp_profile, receiver):
    peer = netsmpp()
    profile = receiving_profile(smpp_profile, peer, max_binds=1)
    running = receiver(profile)
    assert bound(running, profile)
    ids, sent = _queued(profile, 20), []

    _leased_sender(profile, ids, sent).join(40)

    assert len(sent) == 20 and all(m.status == Message.Status.SENT for m in sent)
    assert wait_until(
        lambda: Message.objects.filter(status=Message.Status.DELIVERED).count() == 20, 30
    )  # the receipts waited at the SMSC for the receiver's next bind
    modes = [b["mode"] for b in peer.events("bind")]
    assert modes[:3] == ["receiver", "transmitter", "receiver"]
    assert max_open(peer, _sessions(peer)) == 1


def test_it_keeps_its_bind_beside_a_sender_when_two_are_allowed(netsmpp, smpp_profile, receiver):
    peer = netsmpp()
    profile = receiving_profile(smpp_profile, peer, max_binds=2)
    running = receiver(profile)
    assert bound(running, profile)
    ids, sent = _queued(profile, 20), []

    _leased_sender(profile, ids, sent).join(40)

    assert wait_until(
        lambda: Message.objects.filter(status=Message.Status.DELIVERED).count() == 20, 30
    )
    assert [b["mode"] for b in peer.events("bind")] == ["receiver", "transmitter"]
    assert max_open(peer, _sessions(peer)) == 2
    assert leases.acquire(profile.pk, 2, 5, "test:third") is not None  # the sender's is back
    assert leases.acquire(profile.pk, 2, 5, "test:fourth") is None  # the receiver holds one


def test_two_receiver_processes_open_one_receiving_bind_between_them(
    netsmpp, smpp_profile, receiver
):
    peer = netsmpp()
    profile = receiving_profile(smpp_profile, peer, max_binds=4)
    first = receiver(profile)
    assert bound(first, profile)
    second = receiver(profile)
    wait_until(lambda: profile.pk in second.threads, 5)
    assert not bound(second, profile, timeout=4)

    first.stop()  # the first host goes away: the second takes over
    assert bound(second, profile, timeout=15)
    assert len(_sessions(peer)) == 2
    assert max_open(peer, _sessions(peer)) == 1


def test_bulk_senders_leave_the_receiver_its_bind_on_a_transmitter_profile(
    netsmpp, smpp_profile, receiver
):
    peer = netsmpp()
    profile = receiving_profile(smpp_profile, peer, max_binds=2, processing_mode="async")
    running = receiver(profile)
    assert bound(running, profile)
    job, _ids = _job(profile, 300)
    offered = []
    dispatcher.dispatch(lambda job_id, slot, task_id: offered.append((slot, task_id)))
    assert [slot for slot, _task in offered] == [0]  # two binds, one is the receiver's

    ((slot, task_id),) = offered
    assert runner.run_slot(job.pk, slot, task_id, 30) == "finished"

    assert job.messages.exclude(status__in=SENT_OR_DELIVERED).count() == 0
    # The receiver kept its bind through the job (it was never given up and bound again), and
    # the receipts came in on it.
    assert [b["mode"] for b in peer.events("bind") if b["status"] == 0] == [
        "receiver", "transmitter",
    ]  # fmt: skip
    assert wait_until(lambda: _delivered(job) == 300, 30), _delivered(job)
    assert max_open(peer, _sessions(peer)) == 2


@pytest.mark.parametrize(
    ("bind_mode", "receipts", "max_binds", "senders"),
    [
        ("transmitter", "final", 3, 2),
        ("transmitter", "final", 1, 1),  # one bind: sending first, receipts wait at the SMSC
        ("transmitter", "none", 3, 3),  # no receipts asked for: no receiver bind
        ("transceiver", "final", 3, 3),  # a transceiver sender hears its own receipts
    ],
)
def test_a_job_gets_one_sender_per_bind_the_receiver_does_not_need(
    make_profile, bind_mode, receipts, max_binds, senders
):
    profile = make_profile(bind_mode=bind_mode, delivery_receipts=receipts, max_binds=max_binds)
    assert slots.count(profile) == senders
