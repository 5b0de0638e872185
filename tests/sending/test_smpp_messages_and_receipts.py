"""services against the Net::SMPP SMSC (written by others) on 127.0.0.1: parts, provider ids from
submit_sm_resp, receipts per part on a transceiver bind, bind failures and throttling."""

from __future__ import annotations

import functools

import pytest

from sending import services
from sending.models import Message
from tests.peers.smsc import reassemble

pytestmark = [pytest.mark.django_db, pytest.mark.peer]


@pytest.fixture
def peer(start_smsc):
    return start_smsc("netsmpp")


@pytest.fixture
def transceiver(smpp_profile):
    """A profile on a transceiver bind, so receipts come back on it."""
    return functools.partial(smpp_profile, bind_mode="transceiver")


def _send(profile, text, listen=0.0, **kwargs):
    message = services.create_message(profile, "+33612345678", text=text, **kwargs)
    return services.send_message(message.pk, listen=listen)


def test_it_sends_every_part_and_waits_for_every_receipt(transceiver, peer):
    text = "Your parcel is on its way. " * 14  # 378 GSM characters: 3 parts
    message = _send(transceiver(peer), text, listen=10)

    submits = peer.events("submit_sm")
    assert len(submits) == 3 and list(reassemble(submits).values()) == [text]
    parts = list(message.parts.all())
    assert [p.provider_id for p in parts] == [s["message_id"] for s in submits]
    assert [p.receipt_status for p in parts] == ["DELIVRD"] * 3
    assert (message.status, message.parts_count, message.encoding) == ("delivered", 3, "gsm7")


def test_it_stays_sent_when_no_receipt_arrives(transceiver, start_smsc):
    quiet = start_smsc("netsmpp", no_receipts=True)
    message = _send(transceiver(quiet), "Hello", listen=0.5)
    assert message.status == Message.Status.SENT
    assert message.parts.get().receipt_status == ""


def test_it_does_not_listen_on_a_transmitter_bind(smpp_profile, peer):
    profile = smpp_profile(peer, bind_mode="transmitter")
    message = _send(profile, "Hello", listen=5)
    assert message.status == Message.Status.SENT
    assert peer.events("bind")[0]["mode"] == "transmitter"


def test_it_fails_for_good_on_a_wrong_password(transceiver, peer):
    message = _send(transceiver(peer, password="wrong"), "Hello")

    assert message.status == Message.Status.FAILED
    assert message.error_code == "ESME_RINVPASWD"
    assert "ESME_RINVPASWD" in message.error_reason
    assert peer.events("submit_sm") == []


def test_it_retries_after_the_mapped_delay_when_throttled(transceiver, start_smsc):
    busy = start_smsc("netsmpp", throttle_every=1)
    profile = transceiver(busy, retry_map={"ESME_RTHROTTLED": 25})
    message = _send(profile, "Hello")

    assert message.status == Message.Status.RETRYING
    assert message.error_code == "ESME_RTHROTTLED"
    assert 23 <= services.seconds_until_retry(message) <= 25


def test_it_checks_the_connection_step_by_step(transceiver, peer):
    report = services.check_connection(transceiver(peer).pk)
    assert report.ok
    assert [step.name for step in report.steps] == ["Bind", "enquire_link", "Unbind"]
    assert [e["event"] for e in peer.wait_for(lambda: peer.events("unbind"))][-1:] == ["unbind"]
