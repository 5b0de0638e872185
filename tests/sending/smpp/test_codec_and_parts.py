"""Unit tests of submit_sm building, splitting, the codec and the error mapping.

The bytes are decoded with smpplib (our codec of record) and with smpp34's codec where it can read
them, so our encoder is checked by two decoders written by others.
"""

from __future__ import annotations

import importlib.util
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profiles import choices
from profiles.message import parts
from profiles.models import SmsProfile
from sending.transports.base import OutgoingMessage, TransportError
from sending.transports.smpp import codec, errors
from sending.transports.smpp.codec import HEADER, SUBMIT_SM, split_stream
from sending.transports.smpp.parts import PartBuilder, address, relative_validity
from tests.support import need


def _profile(**fields) -> SmsProfile:
    fields.setdefault("host", "127.0.0.1")
    fields.setdefault("port", 2775)
    return SmsProfile(**fields)


def _build(builder_or_profile, to: str, sender: str, text: str) -> tuple[list[bytes], str]:
    """The bodies of one message planned as compose plans it, and its encoding."""
    builder = builder_or_profile
    if isinstance(builder, SmsProfile):
        builder = PartBuilder(builder)
    plan = parts.plan(text, builder.profile)
    return builder.build(to, sender, plan), plan.encoding


def _decoded(body: bytes):
    return codec.decode(SUBMIT_SM, 0, 7, body)


def _peer_decoded(body: bytes):
    need(importlib.util.find_spec("smpp34") is not None, "PyPI smpp34 not installed (pip)")
    import smpp34

    return smpp34.decode(HEADER.pack(16 + len(body), SUBMIT_SM, 0, 7) + body)


def test_it_builds_a_single_gsm_part_unpacked_with_the_profiles_fields():
    profile = _profile(
        service_type="CMT",
        priority=2,
        validity_period=90,
        delivery_receipts=choices.DeliveryReceipts.FAILURE,
        destination_ton=1,
        destination_npi=1,
    )
    bodies, encoding = _build(profile, "+49 151 1234567", "ACME", "Price: 10€ [ok]")
    assert encoding == "gsm7" and len(bodies) == 1
    sm = _peer_decoded(bodies[0])
    assert (sm.service_type, sm.priority_flag, sm.registered_delivery) == ("CMT", 2, 2)
    assert sm.validity_period == "000000013000000R"
    assert (sm.source_addr, sm.source_addr_ton, sm.source_addr_npi) == ("ACME", 5, 0)
    assert (sm.destination_addr, sm.dest_addr_ton, sm.dest_addr_npi) == ("491511234567", 1, 1)
    assert sm.data_coding == 0 and sm.esm_class == 0
    # GSM 03.38 unpacked: € and [ ] are escape sequences, not UTF-8.
    assert sm.short_message == b"Price: 10\x1be \x1b<ok\x1b>"


@pytest.mark.parametrize(
    "sender,ton_npi",
    [("ACME", (5, 0)), ("+4915112345678", (1, 1)), ("4711", (3, 0)), ("?!", (0, 0))],
)
def test_it_autodetects_the_source_ton_and_npi(sender, ton_npi):
    sm = _decoded(_build(_profile(), "4915112345678", sender, "hi")[0][0])
    assert (sm.source_addr_ton, sm.source_addr_npi) == ton_npi


def test_it_uses_the_profiles_source_ton_and_npi_when_set():
    builder = PartBuilder(_profile(source_ton=2, source_npi=8))
    sm = _decoded(_build(builder, "4915112345678", "ACME", "hi")[0][0])
    assert (sm.source_addr_ton, sm.source_addr_npi) == (2, 8)


def test_it_concatenates_with_an_8_bit_reference_udh():
    bodies, _enc = _build(_profile(), "491511", "ACME", "x" * 400)
    parts = [_peer_decoded(body) for body in bodies]
    assert len(parts) == 3
    headers = [p.short_message[:6] for p in parts]
    reference = headers[0][3]
    assert headers == [bytes((5, 0, 3, reference, 3, n)) for n in (1, 2, 3)]
    assert all(p.esm_class & 0x40 for p in parts)
    assert [len(p.short_message) - 6 for p in parts] == [153, 153, 94]


def test_it_sends_ucs2_big_endian_and_never_splits_a_surrogate_pair():
    text = "П" * 66 + "🙂" + "ж" * 10  # the emoji does not fit in the 67-unit first part
    bodies, encoding = _build(_profile(), "491511", "ACME", text)
    assert encoding == "ucs2"
    parts = [_decoded(body) for body in bodies]
    assert all(p.data_coding == 8 for p in parts)
    payloads = [p.short_message[6:] for p in parts]
    assert payloads[0] == ("П" * 66).encode("utf-16-be")
    assert b"".join(payloads).decode("utf-16-be") == text


def test_it_forces_ucs2_when_the_profile_says_so():
    bodies, encoding = _build(_profile(data_coding="ucs2"), "49151", "ACME", "hello")
    assert encoding == "ucs2" and _decoded(bodies[0]).short_message == "hello".encode("utf-16-be")


def test_it_carries_concatenation_in_sar_tlvs():
    bodies, _enc = _build(_profile(long_message_method="sar"), "4915", "A1", "y" * 400)
    parts = [_decoded(body) for body in bodies]
    assert [len(p.short_message) for p in parts] == [160, 160, 80]
    assert len({p.sar_msg_ref_num for p in parts}) == 1
    assert [(p.sar_total_segments, p.sar_segment_seqnum) for p in parts] == [(3, 1), (3, 2), (3, 3)]
    assert not any(p.esm_class & 0x40 for p in parts)


def test_it_sends_a_long_text_in_one_message_payload():
    bodies, _enc = _build(_profile(long_message_method="payload"), "49", "A", "z" * 400)
    assert len(bodies) == 1
    sm = _peer_decoded(bodies[0])
    assert sm.short_message == b""
    assert [(t.tag, t.value) for t in sm.tlvs] == [(0x0424, b"z" * 400)]


def test_it_refuses_to_send_a_message_planned_too_long():
    cases = (
        (_profile(long_message_method="reject"), "z" * 161, "2 parts"),
        (_profile(max_parts=2), "z" * 400, "at most 2"),
        (_profile(max_parts=2, long_message_method="payload"), "z" * 400, "at most 2"),
    )
    for profile, text, words in cases:
        with pytest.raises(TransportError) as caught:
            OutgoingMessage("49", "A", text).plan_for(profile)
        assert caught.value.permanent and words in caught.value.reason
        assert caught.value.code == "TOO_LONG"


def test_it_uses_a_new_reference_for_each_long_message():
    builder = PartBuilder(_profile())
    first = _decoded(_build(builder, "49", "A", "a" * 200)[0][0]).short_message[3]
    second = _decoded(_build(builder, "49", "A", "a" * 200)[0][0]).short_message[3]
    assert second == (first + 1) % 256


@pytest.mark.parametrize(
    "minutes,expected",
    [
        (None, ""),
        (1, "000000000100000R"),
        (1440 * 3 + 61, "000003010100000R"),
        (1440 * 400, "010105000000000R"),
    ],
)
def test_it_formats_the_validity_period_as_relative_time(minutes, expected):
    assert relative_validity(minutes) == expected


@pytest.mark.parametrize(
    "value,expected", [("+49 151 1", "491511"), ("0049151", "0049151"), ("My Shop", "My Shop")]
)
def test_it_writes_addresses_without_plus_and_spaces(value, expected):
    assert address(value) == expected


def test_it_cuts_complete_pdus_off_a_stream_and_keeps_the_rest():
    stream = bytearray(
        codec.encode("submit_sm_resp", 1, message_id="abc")
        + codec.encode("enquire_link", 2)
        + codec.encode("unbind", 3)[:10]
    )
    assert split_stream(stream) == [(0x80000004, 0, 1, b"abc\0"), (0x15, 0, 2, b"")]
    assert len(stream) == 10


def test_it_refuses_a_corrupt_stream():
    with pytest.raises(ValueError):
        split_stream(bytearray(struct.pack(">IIII", 3, 4, 0, 1)))


def test_it_names_statuses_readably():
    assert errors.describe(0x58) == "ESME_RTHROTTLED (0x58): throttled"
    assert errors.describe(0x0E) == "ESME_RINVPASWD (0x0E): invalid password"
    assert errors.describe(0x401) == "0x0401 (0x401): vendor-specific"


def test_it_classifies_submit_errors_with_the_retry_map_first():
    retry_map = {"ESME_RTHROTTLED": 30, "ESME_RINVDSTADR": 600}
    throttled = errors.status_error(0x58, retry_map)
    assert (throttled.permanent, throttled.code, throttled.retry_after) == (
        False,
        "ESME_RTHROTTLED",
        30.0,
    )
    assert errors.status_error(0x0B).permanent  # bad destination: retrying will not help
    assert not errors.status_error(0x0B, retry_map).permanent  # unless the profile says so
    assert not errors.status_error(0x08).permanent  # system error: try again later
    bind = errors.status_error(0x0D, retry_map, bind=True)
    assert bind.permanent and bind.reason == "Bind refused: ESME_RBINDFAIL (0x0D): bind failed"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcXYZ019 @£$¥èéÇ\n€[]{}^~|\\`ñПж🙂\x1b\t"), max_size=170))
def test_its_fast_single_part_path_agrees_with_the_splitter(text):
    from profiles.message import segments

    fast = segments.segment(text)
    assert fast == segments._segment(text, force_ucs2=False, udh=True)
    bodies, encoding = _build(_profile(), "49151", "ACME", text)
    assert encoding == fast.encoding
    if len(bodies) == 1 and text:
        sm = _decoded(bodies[0])
        payload = sm.short_message[6:] if sm.esm_class & 0x40 else sm.short_message
        assert payload == segments.encode(text, fast.encoding)
        assert sm.data_coding == fast.data_coding
    else:
        assert len(bodies) == max(1, len(fast.parts))
