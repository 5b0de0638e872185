"""From a rendered message to the submit_sm bodies that carry it, per the profile's settings.

Everything that is the same for every message of a profile (service type, TON/NPI, validity,
receipts, priority) is encoded once into a `SubmitTemplate`; a message then costs one split, one
encode and a few byte joins per part.
"""

from __future__ import annotations

import itertools
import random
import struct
from dataclasses import dataclass

from django.utils.translation import gettext as _

from profiles import choices
from profiles.message import segments
from profiles.validators import sender_kind

from ..base import TransportError
from .codec import (
    ESM_UDHI,
    TLV_MESSAGE_PAYLOAD,
    TLV_SAR_MSG_REF_NUM,
    TLV_SAR_SEGMENT_SEQNUM,
    TLV_SAR_TOTAL_SEGMENTS,
    cstring,
    tlv,
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
MAX_SHORT_MESSAGE = 254


def _gsm_table() -> dict[int, str]:
    """str.translate table: GSM characters to their unpacked septets (extension characters to
    ESC + code); ASCII characters outside the alphabet to a non-ASCII marker. Built from the same
    codec as `segments.encode`, so the fast path below cannot disagree with it."""
    table = {}
    for char in segments.GSM_BASIC | segments.GSM_EXTENSION:
        table[ord(char)] = segments.encode(char, segments.GSM7).decode("latin-1")
    for code in range(128):
        table.setdefault(code, "\uffff")
    return table


_GSM_TABLE = _gsm_table()


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
    method: str
    max_parts: int
    force_ucs2: bool
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
            times=cstring("") + cstring(relative_validity(profile.validity_period), 17),
            registered_delivery=REGISTERED_DELIVERY.get(profile.delivery_receipts, 1),
            method=profile.long_message_method,
            max_parts=profile.max_parts,
            force_ucs2=profile.data_coding == choices.DataCoding.UCS2,
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

    def __init__(self, profile):
        self.template = SubmitTemplate.from_profile(profile)
        self._references = itertools.cycle(range(256))
        for _skip in range(random.randrange(256)):  # a fresh bind should not reuse old references
            next(self._references)
        self._sources: dict[str, bytes] = {}

    def build(self, to: str, sender: str, text: str) -> tuple[list[bytes], str]:
        """The submit_sm bodies (without header) for one message, and its encoding.

        Raises a permanent TransportError when the text cannot be sent under the profile's rules.
        """
        t = self.template
        source = self._sources.get(sender)
        if source is None:
            source = t.source_ton_npi(sender) + cstring(address(sender), 21)
            self._sources[sender] = source
        head = t.service_type + source + t.dest_ton_npi + cstring(address(to), 21)
        if not t.force_ucs2 and len(text) <= 160:
            # The common case, at C speed: one part in the GSM alphabet (ASCII after translation).
            septets = text.translate(_GSM_TABLE)
            if septets.isascii() and 0 < len(septets) <= 160:
                return [head + t.single_gsm + bytes((len(septets),)) + septets.encode()], "gsm7"
        udh = t.method == choices.LongMessageMethod.UDH
        split = segments.segment(text, force_ucs2=t.force_ucs2, udh=udh)
        texts = split.parts or [""]
        if len(texts) > 1 and t.method == choices.LongMessageMethod.REJECT:
            raise TransportError(
                _("The message needs %(n)d parts; this profile does not send long messages.")
                % {"n": len(texts)},
                permanent=True,
                code="too_long",
            )
        if len(texts) > t.max_parts:
            raise TransportError(
                _("The message needs %(n)d parts; this profile allows at most %(max)d.")
                % {"n": len(texts), "max": t.max_parts},
                permanent=True,
                code="too_long",
            )
        tail_fixed = t.times + bytes((t.registered_delivery, 0, split.data_coding, 0))
        if t.method == choices.LongMessageMethod.PAYLOAD and len(texts) > 1:
            payload = segments.encode(text, split.encoding)
            body = head + b"\0" + t.flags_after_esm + tail_fixed + b"\0"
            return [body + tlv(TLV_MESSAGE_PAYLOAD, payload)], split.encoding
        encoded = [segments.encode(part, split.encoding) for part in texts]
        if len(encoded) == 1:
            sm = encoded[0]
            return [head + b"\0" + t.flags_after_esm + tail_fixed + bytes((len(sm),)) + sm], (
                split.encoding
            )
        reference, total = next(self._references), len(encoded)
        bodies = []
        for number, sm in enumerate(encoded, 1):
            if udh:
                sm = bytes((0x05, 0x00, 0x03, reference, total, number)) + sm
                bodies.append(
                    head
                    + bytes((ESM_UDHI,))
                    + t.flags_after_esm
                    + tail_fixed
                    + bytes((len(sm),))
                    + sm
                )
            else:  # SAR: the concatenation travels in optional parameters
                sar = (
                    tlv(TLV_SAR_MSG_REF_NUM, struct.pack(">H", reference))
                    + tlv(TLV_SAR_TOTAL_SEGMENTS, bytes((total,)))
                    + tlv(TLV_SAR_SEGMENT_SEQNUM, bytes((number,)))
                )
                bodies.append(
                    head + b"\0" + t.flags_after_esm + tail_fixed + bytes((len(sm),)) + sm + sar
                )
        return bodies, split.encoding
