"""services against the Net::SMPP SMSC (written by others) on 127.0.0.1: parts, provider ids from
submit_sm_resp, receipts per part on a transceiver bind, bind failures and throttling."""

from __future__ import annotations

import pytest

from sending import services
from sending.models import Message

from .smpp_peer import NetSmppPeer, smpp_profile

pytestmark = [pytest.mark.django_db, pytest.mark.peer]


@pytest.fixture
def peer(tmp_path):
    with NetSmppPeer(tmp_path / "smsc.log") as running:
        yield running


def _send(profile, text, listen=0.0, **kwargs):
    message = services.create_message(profile, "+33612345678", text=text, **kwargs)
    return services.send_message(message.pk, listen=listen)


def _reassembled(submits) -> str:
    """The text the SMSC got, parts joined after their 6-octet concatenation UDH."""
    text = ""
    for submit in submits:
        body = bytes.fromhex(submit["short_message"])
        text += body[body[0] + 1 :].decode("latin-1") if submit["esm_class"] & 0x40 else ""
    return text


def test_it_sends_every_part_and_waits_for_every_receipt(make_profile, peer):
    text = "Your parcel is on its way. " * 14  # 378 GSM characters: 3 parts
    message = _send(smpp_profile(make_profile, peer), text, listen=10)

    submits = peer.submits()
    assert len(submits) == 3 and _reassembled(submits) == text
    parts = list(message.parts.all())
    assert [p.provider_id for p in parts] == [s["message_id"] for s in submits]
    assert [p.receipt_status for p in parts] == ["DELIVRD"] * 3
    assert (message.status, message.parts_count, message.encoding) == ("delivered", 3, "gsm7")


def test_it_stays_sent_when_no_receipt_arrives(make_profile, tmp_path):
    with NetSmppPeer(tmp_path / "quiet.log", "--no-receipts") as quiet:
        message = _send(smpp_profile(make_profile, quiet), "Hello", listen=0.5)
    assert message.status == Message.Status.SENT
    assert message.parts.get().receipt_status == ""


def test_it_does_not_listen_on_a_transmitter_bind(make_profile, peer):
    profile = smpp_profile(make_profile, peer, bind_mode="transmitter")
    message = _send(profile, "Hello", listen=5)
    assert message.status == Message.Status.SENT
    assert peer.events("bind")[0]["mode"] == "transmitter"


def test_it_fails_for_good_on_a_wrong_password(make_profile, peer):
    message = _send(smpp_profile(make_profile, peer, password="wrong"), "Hello")

    assert message.status == Message.Status.FAILED
    assert message.error_code == "ESME_RINVPASWD"
    assert "ESME_RINVPASWD" in message.error_reason
    assert peer.submits() == []


def test_it_retries_after_the_mapped_delay_when_throttled(make_profile, tmp_path):
    with NetSmppPeer(tmp_path / "busy.log", "--throttle-every", "1") as busy:
        profile = smpp_profile(make_profile, busy, retry_map={"ESME_RTHROTTLED": 25})
        message = _send(profile, "Hello")

    assert message.status == Message.Status.QUEUED
    assert message.error_code == "ESME_RTHROTTLED"
    assert 23 <= services.seconds_until_retry(message) <= 25


def test_it_checks_the_connection_step_by_step(make_profile, peer):
    report = services.check_connection(smpp_profile(make_profile, peer).pk)
    assert report.ok
    assert [step.name for step in report.steps] == ["Bind", "enquire_link", "Unbind"]
    assert [e["event"] for e in peer.wait_for("unbind", 1)][-1:] == ["unbind"]
