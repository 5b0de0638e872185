"""Delivery receipt parsing (SMPP 3.4 appendix B) and provider-id matching.

Each deliver_sm is encoded by smpplib and decoded by the codec, as the session receives it."""

from __future__ import annotations

import struct

import pytest

from sending.transports.smpp import codec
from sending.transports.smpp.codec import DELIVER_SM, HEADER_SIZE, split_stream
from sending.transports.smpp.receipts import (
    candidate_ids,
    from_deliver_sm,
    normalise_id,
    parse_text,
)

APPENDIX_B = (
    "id:0123456789 sub:001 dlvrd:001 submit date:2411261530 done date:2411261531 "
    "stat:DELIVRD err:000 text:Hello id:9 stat:UNDELIV"
)


def _deliver_sm(text: str, data_coding: int = 0, **tlvs):
    data = text.encode("utf-16-be") if data_coding == 8 else text.encode("latin-1")
    pdu = codec.encode(
        "deliver_sm", 9, short_message=data, esm_class=0x04, data_coding=data_coding, **tlvs
    )
    return _received(pdu)


def _received(pdu: bytes):
    [(command_id, status, sequence, body)] = split_stream(bytearray(pdu))
    assert command_id == DELIVER_SM
    return codec.decode(command_id, status, sequence, body)


def test_it_reads_keys_that_contain_spaces():
    fields = parse_text(APPENDIX_B)
    assert fields["submit date"] == "2411261530"
    assert fields["done date"] == "2411261531"
    assert fields["id"] == "0123456789" and fields["stat"] == "DELIVRD" and fields["err"] == "000"


def test_it_keeps_the_text_field_whole_even_when_it_looks_like_keys():
    assert parse_text(APPENDIX_B)["text"] == "Hello id:9 stat:UNDELIV"


def test_it_accepts_vendor_variants_of_case_order_and_underscores():
    fields = parse_text("Stat:EXPIRED Id:abc submit_date:2401010000 err:101")
    assert fields == {"stat": "EXPIRED", "id": "abc", "submit date": "2401010000", "err": "101"}


def test_it_builds_a_receipt_from_the_text():
    receipt = from_deliver_sm(_deliver_sm(APPENDIX_B))
    assert (receipt.provider_id, receipt.status, receipt.error_code) == (
        "0123456789",
        "DELIVRD",
        "000",
    )
    assert receipt.delivered and receipt.final and receipt.raw == APPENDIX_B


def test_it_prefers_the_receipted_message_id_and_message_state_tlvs():
    text = "id:999 sub:001 dlvrd:000 submit date:2411261530 done date:2411261531 stat:DELIVRD"
    receipt = from_deliver_sm(
        _deliver_sm(
            text, receipted_message_id="4d2", message_state=5, network_error_code=b"\x03\x00\x22"
        )
    )
    assert (receipt.provider_id, receipt.status) == ("4d2", "UNDELIV")
    assert not receipt.delivered and receipt.final


def test_it_takes_the_network_error_code_when_the_text_has_no_err():
    receipt = from_deliver_sm(_deliver_sm("id:1 stat:UNDELIV", network_error_code=b"\x03\0\x22"))
    assert receipt.error_code == "34"


@pytest.mark.parametrize(
    "stat,final", [("ENROUTE", False), ("ACCEPTD", False), ("EXPIRED", True), ("REJECTD", True)]
)
def test_it_tells_intermediate_from_final_states(stat, final):
    receipt = from_deliver_sm(_deliver_sm(f"id:1 stat:{stat} err:000"))
    assert receipt.final is final and not receipt.delivered


def test_it_reads_a_ucs2_receipt():
    assert from_deliver_sm(_deliver_sm("id:7 stat:DELIVRD", data_coding=8)).provider_id == "7"


def test_it_normalises_ids_for_comparison():
    assert normalise_id(" 00AbC ") == "abc"
    assert normalise_id("000") == "0"


@pytest.mark.parametrize(
    "receipt_id,id_format,expected",
    [
        ("255", "auto", ["255", "ff", "597"]),
        ("00ff", "auto", ["ff", "255"]),
        ("255", "decimal", ["ff"]),  # decimal in the receipt, hex in submit_sm_resp
        ("ff", "hex", ["255"]),  # hex in the receipt, decimal in submit_sm_resp
        ("x-1", "auto", ["x-1"]),
    ],
)
def test_it_offers_hex_and_decimal_readings_per_the_profile(receipt_id, id_format, expected):
    assert candidate_ids(receipt_id, id_format) == expected


def test_it_drops_the_nul_terminator_some_smscs_send():
    text = "id:7 sub:001 dlvrd:001 submit date:2611260101 done date:2611260101 stat:DELIVRD err:000"
    receipt = from_deliver_sm(_deliver_sm(text + "\0"))
    assert receipt.raw == text and receipt.status == "DELIVRD"


def test_it_drops_a_nul_terminator_after_the_text():
    receipt = from_deliver_sm(_deliver_sm("id:5 stat:DELIVRD err:000 text:hi\0"))
    assert receipt.raw == "id:5 stat:DELIVRD err:000 text:hi" and receipt.provider_id == "5"


def _with_tlvs(pdu: bytes, *tlvs: tuple[int, bytes]) -> bytes:
    """The PDU with raw TLVs appended (and its command_length fixed), as a vendor might send."""
    extra = b"".join(struct.pack(">HH", tag, len(value)) + value for tag, value in tlvs)
    return struct.pack(">I", len(pdu) + len(extra)) + pdu[4:] + extra


def test_it_skips_tlvs_smpplib_does_not_know_for_a_deliver_sm():
    pdu = codec.encode("deliver_sm", 3, short_message=b"id:77 stat:DELIVRD", esm_class=0x04)
    vendor = _with_tlvs(pdu, (0x1401, b"vendor"), (0x0210, b"\x34"), (0x0427, b"\x05"))
    receipt = from_deliver_sm(_received(vendor))
    assert (receipt.provider_id, receipt.status) == ("77", "UNDELIV")


def test_it_reads_a_receipted_message_id_sent_without_its_nul():
    pdu = codec.encode("deliver_sm", 3, short_message=b"id:1 stat:DELIVRD", esm_class=0x04)
    receipt = from_deliver_sm(_received(_with_tlvs(pdu, (0x001E, b"4d2"))))
    assert receipt.provider_id == "4d2"


def test_it_refuses_a_truncated_deliver_sm_with_a_value_error():
    pdu = codec.encode("deliver_sm", 3, short_message=b"id:1 stat:DELIVRD", esm_class=0x04)
    with pytest.raises(ValueError):
        codec.decode(DELIVER_SM, 0, 3, pdu[HEADER_SIZE : HEADER_SIZE + 20])
