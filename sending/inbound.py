"""Inbound (mobile-originated) messages: decode, reassemble long ones, link replies, STOP.

A long message comes as one deliver_sm per part, concatenated by a UDH (8- or 16-bit reference)
or by the SAR TLVs, in any order. Each part is stored as it arrives; the message's text is the
joined octets decoded once all parts are there (a UCS-2 surrogate pair may be cut between two
parts, so the octets are joined before decoding).
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _
from smpplib.command import DeliverSM

from profiles.message import segments
from sending.models import InboundMessage, InboundPart, Message, OptOut
from sending.transports.base import storable
from sending.transports.smpp.codec import ESM_UDHI, as_text

log = logging.getLogger(__name__)

GAP = " […] "  # stands for a part still missing in an incomplete message's text
_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")


@dataclass
class InboundPartData:
    """One deliver_sm of an inbound message, decoded as far as a single part allows."""

    sender: str
    recipient: str
    data_coding: int
    payload: bytes  # the message octets without the UDH
    fingerprint: str
    ref: int | None = None
    total: int = 1
    index: int = 1


def from_deliver_sm(sm: DeliverSM, body: bytes) -> InboundPartData:
    """One inbound part from a deliver_sm decoded by smpplib (codec.decode); `body` is the PDU
    body as it came, whose digest tells a resent deliver_sm from a new one."""
    data = sm.message_payload or sm.short_message or b""
    ref, total, index = None, 1, 1
    if (sm.esm_class or 0) & ESM_UDHI and data:
        udh, data = data[: data[0] + 1], data[data[0] + 1 :]
        concat = _concatenation(udh)
        if concat:
            ref, total, index = concat
    elif sm.sar_msg_ref_num is not None:
        ref = sm.sar_msg_ref_num
        total = sm.sar_total_segments or 1
        index = sm.sar_segment_seqnum or 1
    return InboundPartData(
        sender=e164(as_text(sm.source_addr), sm.source_addr_ton or 0),
        recipient=as_text(sm.destination_addr),
        data_coding=sm.data_coding or 0,
        payload=data,
        fingerprint=hashlib.sha256(body).hexdigest(),
        ref=ref if total > 1 else None,
        total=max(1, total),
        index=max(1, index),
    )


def _concatenation(udh: bytes) -> tuple[int, int, int] | None:
    """(reference, total, sequence) from a concatenation information element (IEI 0 or 8)."""
    position = 1
    while position + 1 < len(udh):
        iei, length = udh[position], udh[position + 1]
        value = udh[position + 2 : position + 2 + length]
        if iei == 0x00 and len(value) == 3:
            return value[0], value[1], value[2]
        if iei == 0x08 and len(value) == 4:
            return int.from_bytes(value[:2], "big"), value[2], value[3]
        position += 2 + length
    return None


def e164(address: str, ton: int = 0) -> str:
    """The sender in E.164 when it is a phone number (so it matches the opt-out list and the
    numbers we sent to); an alphanumeric or short-code sender as it came."""
    address = address.strip()
    digits = address.lstrip("+")
    if not digits.isdigit():
        return address
    if address.startswith("+") or ton == 1:
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    try:
        number = phonenumbers.parse(digits, settings.SMSPORTAL_DEFAULT_COUNTRY)
    except phonenumbers.NumberParseException:
        return address
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return address


def decode(octets: bytes, data_coding: int) -> tuple[str, str]:
    """(text, encoding) of inbound octets, storable; unknown or binary codings are shown as hex."""
    if data_coding & 0xF0 == 0xF0:  # message class coding group: bit 2 says 8-bit data
        data_coding = 4 if data_coding & 0x04 else 0
    try:
        if data_coding in (0, 1):
            return storable(segments.decode(octets, segments.GSM7)), segments.GSM7
        if data_coding == 8:
            return storable(octets.decode("utf-16-be", "replace")), segments.UCS2
        if data_coding == 3:
            return storable(octets.decode("latin-1")), "latin1"
    except (UnicodeDecodeError, ValueError):
        pass
    return octets.hex(), "binary"


def store(profile, part: InboundPartData, now) -> InboundMessage | None:
    """Record one inbound part (inside the caller's transaction). Returns the message when this
    part completed it (a single part always does), None when more parts are due or the SMSC
    sent a deliver_sm we already have (it resends one we had not answered)."""
    since = now - timedelta(seconds=settings.SMSPORTAL_INBOUND_DUPLICATE_WINDOW)
    if _seen(profile, part.fingerprint, since):
        return None
    if part.total == 1:
        text, encoding = decode(part.payload, part.data_coding)
        return InboundMessage.objects.create(
            profile=profile, sender=part.sender, recipient=part.recipient, text=text,
            encoding=encoding, data_coding=part.data_coding, received_at=now,
            fingerprint=part.fingerprint,
        )  # fmt: skip
    group = (
        InboundMessage.objects.filter(
            profile=profile,
            sender=part.sender,
            recipient=part.recipient,
            concat_ref=part.ref,
            parts_total=part.total,
            complete=False,
            received_at__gte=now - timedelta(days=1),
        )  # fmt: skip
        .order_by("-pk")
        .first()
    )
    if group is None:
        group = InboundMessage.objects.create(
            profile=profile, sender=part.sender, recipient=part.recipient,
            data_coding=part.data_coding, received_at=now, concat_ref=part.ref,
            parts_total=part.total, parts_received=0, complete=False,
        )  # fmt: skip
    if group.parts.filter(index=part.index).exists():
        return None
    InboundPart.objects.create(
        inbound=group, index=part.index, payload=part.payload, fingerprint=part.fingerprint
    )
    stored = dict(group.parts.values_list("index", "payload"))
    group.parts_received = len(stored)
    group.complete = all(index in stored for index in range(1, part.total + 1))
    if group.complete:
        octets = b"".join(bytes(stored[i]) for i in range(1, part.total + 1))
        group.text, group.encoding = decode(octets, group.data_coding)
    else:
        pieces = [
            decode(bytes(stored[i]), group.data_coding)[0] if i in stored else GAP
            for i in range(1, part.total + 1)
        ]
        group.text = "".join(pieces).strip()
        group.encoding = decode(b"", group.data_coding)[1]
    group.save(update_fields=["parts_received", "complete", "text", "encoding"])
    return group if group.complete else None


def _seen(profile, fingerprint: str, since) -> bool:
    return (
        InboundMessage.objects.filter(
            profile=profile, fingerprint=fingerprint, received_at__gte=since
        ).exists()
        or InboundPart.objects.filter(
            inbound__profile=profile, fingerprint=fingerprint, inbound__received_at__gte=since
        ).exists()
    )


def _keyword(text: str) -> str:
    """Upper case, without accents and surrounding punctuation: "Arrêt !" -> "ARRET"."""
    text = unicodedata.normalize("NFKD", text.strip())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _PUNCTUATION.sub("", text).upper()


def keyword_action(text: str) -> str:
    word = _keyword(text)
    if not word:
        return InboundMessage.Action.NONE
    if word in {_keyword(k) for k in settings.SMSPORTAL_STOP_KEYWORDS}:
        return InboundMessage.Action.OPTED_OUT
    if word in {_keyword(k) for k in settings.SMSPORTAL_START_KEYWORDS}:
        return InboundMessage.Action.OPTED_IN
    return InboundMessage.Action.NONE


def handle_complete(inbound: InboundMessage) -> str:
    """Link a complete inbound message to what it replies to and act on a keyword. Returns the
    auto-reply text to send back ("" for none)."""
    numbers = {inbound.sender, inbound.sender.lstrip("+")}
    last = (
        Message.objects.filter(to__in=numbers, profile=inbound.profile, sent_at__isnull=False)
        .order_by("-created_at", "-pk")
        .only("pk", "job_id")
        .first()
    )
    if last is not None:
        inbound.reply_to_id, inbound.job_id = last.pk, last.job_id
    inbound.action = keyword_action(inbound.text)
    reply = ""
    profile = inbound.profile
    if inbound.action == InboundMessage.Action.OPTED_OUT:
        OptOut.add(
            inbound.sender,
            source=OptOut.Source.KEYWORD,
            reason=_("Texted “%(text)s” to %(recipient)s")
            % {"text": inbound.text.strip()[:40], "recipient": inbound.recipient},
        )
        reply = profile.stop_reply if profile else ""
    elif inbound.action == InboundMessage.Action.OPTED_IN:
        OptOut.objects.filter(number=inbound.sender).delete()
        reply = profile.start_reply if profile else ""
    inbound.save(update_fields=["reply_to", "job", "action"])
    return reply
