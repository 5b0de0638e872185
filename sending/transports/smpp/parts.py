"""From a planned message to the submit_sm bodies that carry it, per the profile's settings.

This is one of the codec's two hand-written fast paths (codec.py says which and why): a bulk send
encodes one submit_sm per part, and smpplib's `SubmitSM.generate()` builds and walks a
45-field object each time (~40 µs a part on this kind of machine, `bench/smpp_send.py --codec`),
where this costs a few byte joins (~2 µs). Everything that is the same for every message of a
profile (service type, TON/NPI, validity, receipts, priority) is encoded once into a
`SubmitTemplate`. tests/sending/smpp/test_fast_paths.py proves the bytes equal to smpplib's
`SubmitSM` for the same fields, over addresses, TON/NPI, codings, UDH, SAR, message_payload,
receipts, validity, priority and service type; change one and that test fails.
"""

from __future__ import annotations

import itertools
import random
import struct
from dataclasses import dataclass

from profiles import choices
from profiles.message import segments
from profiles.message.parts import PartPlan
from profiles.validators import sender_kind

from .codec import (
    ESM_UDHI,
    TLV_MESSAGE_PAYLOAD,
    TLV_SAR_MSG_REF_NUM,
    TLV_SAR_SEGMENT_SEQNUM,
    TLV_SAR_TOTAL_SEGMENTS,
)

# Source TON/NPI by the kind of sender, when the profile leaves them empty (autodetect).
AUTODETECT = {
    "alphanumeric": (choices.Ton.ALPHANUMERIC, choices.Npi.UNKNOWN),
    "international": (choices.Ton.INTERNATIONAL, choices.Npi.ISDN),
    "short_code": (choices.Ton.NETWORK_SPECIFIC, choices.Npi.UNKNOWN),
}
REGISTERED_DELIVERY = {
    choices.DeliveryReceipts.NONE: 0,
    choices.DeliveryReceipts.FINAL: 1,
    choices.DeliveryReceipts.FAILURE: 2,
}


def cstring(value: str, limit: int) -> bytes:
    """A C-octet string of at most `limit` octets with its NUL, cut as smpplib cuts it."""
    return value.encode("ascii", "replace")[: limit - 1] + b"\0"


def tlv(tag: int, value: bytes) -> bytes:
    return struct.pack(">HH", tag, len(value)) + value


def relative_validity(minutes: int | None) -> str:
    """SMPP relative time "YYMMDDhhmmss000R" (section 7.1.1); empty = the SMSC default."""
    if not minutes:
        return ""
    days, rest = divmod(int(minutes), 1440)
    years, days = divmod(days, 365)
    months, days = divmod(days, 30)
    hours, mins = divmod(rest, 60)
    return f"{years:02d}{months:02d}{days:02d}{hours:02d}{mins:02d}00000R"


def address(value: str) -> str:
    """Numbers go on the wire without "+" or spaces; alphanumeric senders as written."""
    value = value.strip()
    compact = value.replace(" ", "")
    if compact.startswith("+") and compact[1:].isdigit():
        return compact[1:]
    return compact if compact.isdigit() else value


@dataclass
class SubmitTemplate:
    """The profile's submit_sm settings, encoded once."""

    service_type: bytes
    dest_ton_npi: bytes
    flags_after_esm: bytes  # protocol_id, priority_flag
    times: bytes  # schedule_delivery_time, validity_period
    registered_delivery: int
    source_ton: int | None
    source_npi: int | None
    single_gsm: bytes = b""  # esm_class .. sm_default_msg_id of a single-part GSM submit_sm

    def __post_init__(self):
        self.single_gsm = (
            b"\0" + self.flags_after_esm + self.times + bytes((self.registered_delivery, 0, 0, 0))
        )

    @classmethod
    def from_profile(cls, profile) -> SubmitTemplate:
        return cls(
            service_type=cstring(profile.service_type, 6),
            dest_ton_npi=bytes((profile.destination_ton, profile.destination_npi)),
            flags_after_esm=bytes((0, profile.priority)),
            times=b"\0" + cstring(relative_validity(profile.validity_period), 17),
            registered_delivery=REGISTERED_DELIVERY.get(profile.delivery_receipts, 1),
            source_ton=profile.source_ton,
            source_npi=profile.source_npi,
        )

    def source_ton_npi(self, sender: str) -> bytes:
        ton, npi = AUTODETECT.get(sender_kind(sender) or "", (0, 0))
        if self.source_ton is not None:
            ton = self.source_ton
        if self.source_npi is not None:
            npi = self.source_npi
        return bytes((ton, npi))


class PartBuilder:
    """Builds the submit_sm bodies of messages for one profile; keeps the 8-bit UDH reference."""

    def __init__(self, profile, first_reference: int | None = None):
        self.profile = profile
        self.template = SubmitTemplate.from_profile(profile)
        # A fresh builder should not reuse the references of the last one.
        first = random.randrange(256) if first_reference is None else first_reference
        self._references = itertools.cycle([*range(first, 256), *range(first)])
        self._sources: dict[str, bytes] = {}
        self.last_reference: int | None = None

    def build(
        self,
        to: str,
        sender: str,
        plan: PartPlan,
        *,
        reference: int | None = None,
        only: tuple[int, ...] | None = None,
    ) -> list[bytes]:
        """The submit_sm bodies (without header) that carry one planned message.

        A long message's parts share a concatenation reference, kept in `last_reference`; a
        retry passes it back as `reference` with `only` the part numbers still to send, so the
        resent parts join those the handset already has."""
        self.last_reference = None
        t = self.template
        source = self._sources.get(sender)
        if source is None:
            source = t.source_ton_npi(sender) + cstring(address(sender), 21)
            self._sources[sender] = source
        head = t.service_type + source + t.dest_ton_npi + cstring(address(to), 21)
        split = plan.split
        if not split.multipart and split.encoding == segments.GSM7:
            sm = segments.septets(split.parts[0] if split.parts else "")
            return [head + t.single_gsm + bytes((len(sm),)) + sm]
        tail_fixed = t.times + bytes((t.registered_delivery, 0, split.data_coding, 0))
        if plan.as_payload:
            payload = segments.encode("".join(split.parts), split.encoding)
            body = head + b"\0" + t.flags_after_esm + tail_fixed + b"\0"
            return [body + tlv(TLV_MESSAGE_PAYLOAD, payload)]
        encoded = [segments.encode(part, split.encoding) for part in split.parts or [""]]
        if len(encoded) == 1:
            sm = encoded[0]
            return [head + b"\0" + t.flags_after_esm + tail_fixed + bytes((len(sm),)) + sm]
        if reference is None:
            reference = next(self._references)
        total = len(encoded)
        self.last_reference = reference = reference % 256
        bodies = []
        for number, sm in enumerate(encoded, 1):
            if only is not None and number not in only:
                continue
            if plan.method == choices.LongMessageMethod.SAR:
                sar = (
                    tlv(TLV_SAR_MSG_REF_NUM, struct.pack(">H", reference))
                    + tlv(TLV_SAR_TOTAL_SEGMENTS, bytes((total,)))
                    + tlv(TLV_SAR_SEGMENT_SEQNUM, bytes((number,)))
                )
                bodies.append(
                    head + b"\0" + t.flags_after_esm + tail_fixed + bytes((len(sm),)) + sm + sar
                )
            else:  # UDH concatenation, 8-bit reference
                sm = bytes((0x05, 0x00, 0x03, reference, total, number)) + sm
                bodies.append(
                    head
                    + bytes((ESM_UDHI,))
                    + t.flags_after_esm
                    + tail_fixed
                    + bytes((len(sm),))
                    + sm
                )
        return bodies
