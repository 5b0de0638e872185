"""Maximum simultaneous binds holds with senders and receivers together, counted at the SMSC."""

from __future__ import annotations

import threading

import pytest

from sending import services
from sending.jobs import leases
from sending.models import Message

from .conftest import bound, receiving_profile, wait_until
from .test_receiver_bulk import max_open

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
