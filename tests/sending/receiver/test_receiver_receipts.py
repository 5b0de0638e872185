"""The receiver's bind hears receipts that arrive after the sending bind is gone, in any form."""

from __future__ import annotations

import pytest

from profiles import choices
from sending.models import Message, UnmatchedReceipt
from sending.receipt_matching import purge_unmatched

from .conftest import bound, receiving_profile, send, spool_deliver_sm, wait_until

pytestmark = [pytest.mark.peer, pytest.mark.django_db(transaction=True)]


def _status(message) -> str:
    message.refresh_from_db()
    return message.status


def test_it_catches_a_receipt_30_s_late_while_nothing_is_sending(netsmpp, smpp_profile, receiver):
    peer = netsmpp(receipt_delay=30)
    profile = receiving_profile(smpp_profile, peer)
    [message] = send(profile, text="Late receipt")
    assert message.status == Message.Status.SENT  # the sending bind is closed now
    running = receiver(profile)
    assert bound(running, profile)

    assert wait_until(lambda: _status(message) == Message.Status.DELIVERED, timeout=45)
    binds = peer.events("bind")
    assert [b["mode"] for b in binds] == ["transmitter", "receiver"]
    [delivery] = peer.events("deliver_sm")
    assert delivery["t"] - peer.accepted()[0]["t"] >= 29.5
    assert peer.wait_for(lambda: peer.events("deliver_sm_resp"))[0]["status"] == 0


@pytest.mark.parametrize(
    "form,ids,id_format",
    [
        ("tlv", "", choices.ReceiptIdFormat.AUTO),
        ("text", "", choices.ReceiptIdFormat.AUTO),
        ("text", "receipt_id_hex", choices.ReceiptIdFormat.AUTO),
        ("both", "receipt_id_hex", choices.ReceiptIdFormat.HEX),
        ("text", "resp_id_hex", choices.ReceiptIdFormat.DECIMAL),
        ("tlv", "resp_id_hex", choices.ReceiptIdFormat.AUTO),
    ],
    ids=["tlv", "text", "hex-receipt-auto", "hex-receipt", "hex-resp", "hex-resp-auto"],
)
def test_it_matches_receipts_in_every_form(form, ids, id_format, netsmpp, smpp_profile, receiver):
    """Text or TLVs; a receipt id in hex for a decimal submit_sm_resp id, or the reverse."""
    peer = netsmpp(receipt_form=form, **({ids: True} if ids else {}))
    profile = receiving_profile(smpp_profile, peer, receipt_id_format=id_format)
    running = receiver(profile)
    assert bound(running, profile)
    messages = send(profile, 3)

    assert wait_until(
        lambda: all(_status(m) == Message.Status.DELIVERED for m in messages), timeout=20
    )
    part = messages[0].parts.get()
    assert part.receipt_status == "DELIVRD" and part.delivered is True
    assert not UnmatchedReceipt.objects.exists()


def test_it_keeps_a_receipt_that_arrives_before_its_submit_sm_resp(netsmpp, smpp_profile):
    peer = netsmpp(receipt_before_resp=True)
    profile = receiving_profile(smpp_profile, peer, bind_mode=choices.BindMode.TRANSCEIVER)
    messages = send(profile, 5)  # each receipt is written before the id is known

    assert all(m.status == Message.Status.DELIVERED for m in messages)
    events = [e["event"] for e in peer.events() if e["event"] in ("deliver_sm", "submit_sm")]
    assert events[:2] == ["submit_sm", "deliver_sm"]
    assert not UnmatchedReceipt.objects.exists()


def test_it_matches_an_early_receipt_on_the_receiver_bind_once_the_part_is_recorded(
    netsmpp, smpp_profile, receiver
):
    peer = netsmpp()
    profile = receiving_profile(smpp_profile, peer)
    running = receiver(profile)
    assert bound(running, profile)
    message = Message.objects.create(
        profile=profile, to="+4915100000001", text="x", status=Message.Status.SUBMITTING,
        parts_count=1,
    )  # fmt: skip
    spool_deliver_sm(
        peer, kind="receipt", source_addr="4915100000001", destination_addr="ACME",
        esm_class=4, short_message=b"id:77001 sub:001 dlvrd:001 stat:DELIVRD err:000 text:",
    )  # fmt: skip
    assert wait_until(lambda: UnmatchedReceipt.objects.filter(provider_id="77001").exists())

    from sending.services import _record_sent
    from sending.transports.base import SendResult

    _record_sent(message, SendResult(provider_ids=["77001"]))  # the submit_sm_resp, late
    assert wait_until(lambda: _status(message) == Message.Status.DELIVERED, timeout=10)
    assert not UnmatchedReceipt.objects.exists()


def test_it_marks_a_three_part_message_undelivered_when_one_part_fails(
    netsmpp, smpp_profile, receiver
):
    peer = netsmpp(fail_submit=2)
    profile = receiving_profile(smpp_profile, peer)
    running = receiver(profile)
    assert bound(running, profile)
    [message] = send(profile, text="Long " * 70)  # 350 characters: 3 parts
    assert message.parts_count == 3

    assert wait_until(lambda: message.parts.filter(receipt_status__gt="").count() == 3)
    assert _status(message) == Message.Status.UNDELIVERED
    states = list(message.parts.order_by("index").values_list("receipt_status", "delivered"))
    assert states == [("DELIVRD", True), ("UNDELIV", False), ("DELIVRD", True)]
    assert message.error_reason == "UNDELIV" and message.error_code == "001"


def test_it_lists_a_receipt_that_never_matches_until_the_retention_ends(
    netsmpp, smpp_profile, receiver
):
    peer = netsmpp()
    profile = receiving_profile(smpp_profile, peer)
    running = receiver(profile)
    assert bound(running, profile)
    spool_deliver_sm(
        peer, kind="receipt", source_addr="4915100000001", destination_addr="ACME",
        esm_class=4, short_message=b"id:999 sub:001 dlvrd:000 stat:EXPIRED err:003 text:\0",
    )  # fmt: skip
    row = wait_until(lambda: UnmatchedReceipt.objects.filter(profile=profile).first())
    assert (row.provider_id, row.status, row.error_code) == ("999", "EXPIRED", "003")
    assert peer.wait_for(lambda: peer.events("deliver_sm_resp"))

    assert purge_unmatched(days=1) == 0
    assert purge_unmatched(days=0) == 1
