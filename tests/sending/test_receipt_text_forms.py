"""Receipt texts as SMSCs really send them: any case, keys in any order, keys missing, a NUL."""

from __future__ import annotations

import pytest

from sending.receipt_matching import outcome
from sending.transports.smpp import codec
from sending.transports.smpp.codec import split_stream
from sending.transports.smpp.receipts import from_deliver_sm


def _receipt(text: bytes):
    """The receipt of a deliver_sm carrying `text`, encoded and decoded as the receiver gets it."""
    pdu = codec.encode("deliver_sm", 3, esm_class=4, short_message=text)
    [(command_id, status, sequence, body)] = split_stream(bytearray(pdu))
    return from_deliver_sm(codec.decode(command_id, status, sequence, body))


@pytest.mark.parametrize(
    "text",
    [
        b"id:1A2B sub:001 dlvrd:001 submit date:2411261530 done date:2411261531 stat:DELIVRD "
        b"err:000 text:Hello",
        b"ID:1A2B SUB:001 DLVRD:001 SUBMIT DATE:2411261530 DONE DATE:2411261531 STAT:delivrd "
        b"ERR:000 TEXT:Hello",
        b"stat:DELIVRD done date:2411261531 id:1A2B err:000 submit date:2411261530",
        b"id:1A2B stat:DELIVRD\0",
        b"id:1A2B submit_date:2411261530 done_date:2411261531 stat:DELIVRD err:0\0",
    ],
    ids=["standard", "upper-case", "any-order", "keys-missing-nul", "underscores"],
)
def test_it_reads_the_id_and_state_from_any_receipt_text(text):
    receipt = _receipt(text)
    assert (receipt.provider_id, receipt.status) == ("1A2B", "DELIVRD")
    assert "\0" not in receipt.raw


def test_it_keeps_the_dates_whole_although_their_keys_contain_spaces():
    from sending.transports.smpp.receipts import parse_text

    fields = parse_text("id:9 submit date:2411261530 done date:2411261531 stat:EXPIRED err:003")
    assert fields["submit date"] == "2411261530" and fields["done date"] == "2411261531"


@pytest.mark.parametrize(
    "status,settles",
    [("DELIVRD", True), ("UNDELIV", False), ("EXPIRED", False), ("REJECTD", False)]
    + [(s, None) for s in ("ACCEPTD", "UNKNOWN", "DELETED", "ENROUTE")],
)
def test_only_the_four_final_states_settle_a_part(status, settles):
    assert outcome(status) is settles
