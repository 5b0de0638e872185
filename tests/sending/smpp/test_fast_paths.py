"""The codec's two hand-written fast paths are byte-for-byte smpplib.

Encoding submit_sm (parts.PartBuilder) and decoding submit_sm_resp (codec.message_id_of) skip
smpplib for speed (codec.py says why). Here smpplib's own SubmitSM and SubmitSMResp are the
reference: for any profile settings, addresses and text, the PDUs we write are the ones smpplib
would write for the same fields, and the message_id we read is the one smpplib would read. The
fields themselves (the rules of SMPP 3.4 and of the profile) are stated here, not read from the
code under test.
"""

from __future__ import annotations

import struct

from hypothesis import event, given, settings
from hypothesis import strategies as st
from smpplib import command, consts, smpp

from profiles import choices
from profiles.message import parts, segments
from profiles.models import SmsProfile
from profiles.validators import sender_kind
from sending.transports.smpp.codec import HEADER, SUBMIT_SM, SUBMIT_SM_RESP, message_id_of
from sending.transports.smpp.parts import PartBuilder, address, relative_validity

# Source TON/NPI autodetected from the sender (the profile's help text and the user guide).
AUTODETECT = {"alphanumeric": (5, 0), "international": (1, 1), "short_code": (3, 0)}
REGISTERED_DELIVERY = {"none": 0, "final": 1, "failure": 2}  # SMPP 3.4 section 5.2.17
UDHI = 0x40

_ascii = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
_digits = st.text("0123456789", min_size=1, max_size=25)
senders = st.one_of(
    st.from_regex(r"\A[A-Za-z][A-Za-z0-9 .\-_&']{0,10}\Z"),  # alphanumeric
    st.builds(lambda d: "+49151" + d, st.text("0123456789", min_size=7, max_size=8)),
    st.text("0123456789", min_size=3, max_size=8),  # short code
    st.text(_ascii, max_size=25),  # anything else, longer than the 21-octet field too
)
recipients = st.one_of(
    st.builds(lambda d: "+" + d, _digits),
    st.builds(lambda d: "+49 151 " + d, st.text("0123456789", max_size=9)),
    _digits,
)
_characters = st.sampled_from("abcXYZ019 @£$¥èéÇ\n€[]{}^~|\\`ñ.,-Пж🙂\x1b")
texts = st.one_of(
    st.text(_characters, max_size=200),
    # Texts of up to 1,600 characters: 2 to ~25 parts, GSM or UCS-2.
    st.builds(
        lambda unit, size: (unit * size)[:size],
        st.text(_characters, min_size=1, max_size=30),
        st.integers(140, 1600),
    ),
)
profiles = st.builds(
    dict,
    service_type=st.text(st.sampled_from("ACMTVWP"), max_size=6),
    source_ton=st.one_of(st.none(), st.sampled_from(choices.Ton.values)),
    source_npi=st.one_of(st.none(), st.sampled_from(choices.Npi.values)),
    destination_ton=st.sampled_from(choices.Ton.values),
    destination_npi=st.sampled_from(choices.Npi.values),
    data_coding=st.sampled_from(choices.DataCoding.values),
    long_message_method=st.sampled_from(choices.LongMessageMethod.values),
    delivery_receipts=st.sampled_from(choices.DeliveryReceipts.values),
    validity_period=st.one_of(st.none(), st.integers(1, 60 * 24 * 365 * 3)),
    priority=st.sampled_from(choices.Priority.values),
)


def _smpplib_pdus(profile: SmsProfile, to: str, sender: str, text: str, reference: int):
    """The submit_sm PDUs smpplib generates for the message, fields set by the rules above."""
    plan = parts.plan(text, profile)
    split = plan.split
    ton, npi = AUTODETECT.get(sender_kind(sender) or "", (0, 0))
    fields = {
        "service_type": profile.service_type,
        "source_addr_ton": ton if profile.source_ton is None else profile.source_ton,
        "source_addr_npi": npi if profile.source_npi is None else profile.source_npi,
        "source_addr": address(sender),
        "dest_addr_ton": profile.destination_ton,
        "dest_addr_npi": profile.destination_npi,
        "destination_addr": address(to),
        "esm_class": 0,
        "protocol_id": 0,
        "priority_flag": profile.priority,
        "schedule_delivery_time": "",
        "validity_period": relative_validity(profile.validity_period),
        "registered_delivery": REGISTERED_DELIVERY[profile.delivery_receipts],
        "replace_if_present_flag": 0,
        "data_coding": split.data_coding,
        "sm_default_msg_id": 0,
    }
    encoded = [segments.encode(part, split.encoding) for part in split.parts or [""]]
    if plan.as_payload:
        each = [{"message_payload": segments.encode("".join(split.parts), split.encoding)}]
    elif len(encoded) == 1:
        each = [{"short_message": encoded[0]}]
    elif plan.method == choices.LongMessageMethod.SAR:
        each = [
            {
                "short_message": sm,
                "sar_msg_ref_num": reference,
                "sar_total_segments": len(encoded),
                "sar_segment_seqnum": number,
            }
            for number, sm in enumerate(encoded, 1)
        ]
    else:  # UDH: IEI 0x00, 8-bit reference (3GPP TS 23.040 9.2.3.24.1)
        each = [
            {"short_message": bytes((5, 0, 3, reference, len(encoded), n)) + sm, "esm_class": UDHI}
            for n, sm in enumerate(encoded, 1)
        ]
    pdus = []
    for sequence, extra in enumerate(each, 1):
        pdu = command.SubmitSM("submit_sm", sequence=sequence, **{**fields, **extra})
        pdu.sequence = sequence
        pdus.append(pdu.generate())
    return pdus


@settings(max_examples=400, deadline=None)
@given(profiles, recipients, senders, texts, st.integers(0, 255))
def test_its_submit_sm_is_the_one_smpplib_writes(fields, to, sender, text, reference):
    profile = SmsProfile(host="127.0.0.1", port=2775, max_parts=255, **fields)
    plan = parts.plan(text, profile)
    bodies = PartBuilder(profile, first_reference=reference).build(to, sender, plan)
    ours = [
        HEADER.pack(16 + len(body), SUBMIT_SM, 0, sequence) + body
        for sequence, body in enumerate(bodies, 1)
    ]
    event(f"{plan.method}, {plan.encoding}, {min(plan.part_count, 3)} parts")
    assert ours == _smpplib_pdus(profile, to, sender, text, reference)


# submit_sm_resp ----------------------------------------------------------------------------------

_known_tags = set(consts.OPTIONAL_PARAMS.values())
unknown_tlvs = st.lists(
    st.tuples(
        st.integers(0, 0xFFFF).filter(lambda tag: tag not in _known_tags),
        st.binary(max_size=12),
    ),
    max_size=3,
)


@settings(max_examples=400, deadline=None)
@given(
    st.binary(max_size=64).filter(lambda value: b"\0" not in value),
    unknown_tlvs,
    st.sampled_from([0, 0, 0x58, 0x0B, 0x45]),
    st.integers(1, 0x7FFFFFFF),
    st.booleans(),
)
def test_its_submit_sm_resp_message_id_is_the_one_smpplib_reads(
    message_id, tlvs, status, sequence, empty
):
    if empty and status:  # an error response may come without a body at all
        body = b""
    else:
        body = message_id + b"\0"
        body += b"".join(struct.pack(">HH", tag, len(value)) + value for tag, value in tlvs)
    pdu = HEADER.pack(16 + len(body), SUBMIT_SM_RESP, status, sequence) + body
    reference = smpp.parse_pdu(pdu, allow_unknown_opt_params=True)
    assert (reference.command, reference.status, reference.sequence) == (
        "submit_sm_resp",
        status,
        sequence,
    )
    assert message_id_of(body) == (reference.message_id or b"").decode("latin-1")
