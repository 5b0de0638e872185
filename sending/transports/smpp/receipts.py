"""Delivery receipts: SMPP 3.4 appendix B text, the receipt TLVs, and provider-id normalisation.

The text looks like
``id:0123456789 sub:001 dlvrd:001 submit date:2411261530 done date:2411261531 stat:DELIVRD err:000
text:Hello``. Two keys contain a space, so the text is cut at the known keys, never at spaces.
When the SMSC also sends ``receipted_message_id`` and ``message_state`` TLVs, those win: they are
typed and cannot be mangled by a vendor's text format. The deliver_sm arrives decoded by smpplib
(codec.decode), so fields and TLVs are smpplib's attributes.
"""

from __future__ import annotations

import re

from smpplib.command import DeliverSM

from profiles import choices

from ..base import Receipt
from .codec import as_text

# message_state values (SMPP 3.4 section 5.2.28) and the stat word each one stands for.
MESSAGE_STATES = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}
# Not final: the SMSC still works on it (ACCEPTD and BUFFRED are sent by SMSCs as "accepted
# for delivery" although appendix B lists ACCEPTD among the final states).
INTERMEDIATE = frozenset({"ENROUTE", "ACCEPTD", "BUFFRED", "SCHEDULED"})

_KEY = re.compile(
    r"(?:^|(?<=\s))(id|sub|dlvrd|submit[ _]date|done[ _]date|stat|err|text)\s*:", re.IGNORECASE
)


def parse_text(text: str) -> dict[str, str]:
    """The fields of an appendix-B receipt text, keys lower-case with a space ("done date").

    Values run to the next known key; ``text:`` runs to the end (it may contain anything).
    """
    fields: dict[str, str] = {}
    matches = list(_KEY.finditer(text))
    for index, match in enumerate(matches):
        key = match.group(1).lower().replace("_", " ")
        if key in fields:
            continue  # "text:" content may look like a key; the first occurrence wins
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        if key == "text":
            end = len(text)
        fields[key] = text[match.end() : end].strip()
        if key == "text":
            break
    return fields


def _decode_text(sm: DeliverSM) -> str:
    data = sm.message_payload or sm.short_message or b""
    if sm.data_coding == 8:
        text = data.decode("utf-16-be", "replace")
    else:
        text = data.decode("latin-1")  # receipt texts are ASCII; latin-1 never fails
    # Some SMSCs (Net::SMPP among them) NUL-terminate the text; PostgreSQL refuses NUL in text.
    return text.rstrip("\0").replace("\0", "\ufffd")


def from_deliver_sm(sm: DeliverSM) -> Receipt:
    """The Receipt a deliver_sm (with the receipt bit in esm_class) carries."""
    raw = _decode_text(sm)
    fields = parse_text(raw)
    provider_id = fields.get("id", "")
    status = fields.get("stat", "").upper()
    error = fields.get("err", "")
    if sm.receipted_message_id:
        provider_id = as_text(sm.receipted_message_id).split("\0", 1)[0]
    if sm.message_state in MESSAGE_STATES:
        status = MESSAGE_STATES[sm.message_state]
    network_error = sm.network_error_code
    if not error and network_error and len(network_error) == 3:
        error = str(int.from_bytes(network_error[1:], "big"))
    status = status or "UNKNOWN"
    return Receipt(
        provider_id=provider_id.strip(),
        status=status,
        error_code=error,
        raw=raw,
        delivered=status == "DELIVRD",
        final=status not in INTERMEDIATE,
    )


def normalise_id(provider_id: str) -> str:
    """The form ids are compared in: trimmed, lower-case, without leading zeros."""
    key = provider_id.strip().lower()
    return key.lstrip("0") or ("0" if key else "")


def candidate_ids(receipt_id: str, id_format: str) -> list[str]:
    """Normalised ids a receipt's id may stand for, given the profile's receipt_id_format.

    decimal: the receipt carries in decimal what submit_sm_resp gave in hex (so "255" -> "ff");
    hex: the receipt carries in hex what submit_sm_resp gave in decimal ("ff" -> "255");
    auto: the id as it is first, then both readings. Jasmin #643/#1050, Kannel msg-id-type.
    """
    key = normalise_id(receipt_id)
    is_decimal = key.isdigit()
    is_hex = bool(key) and all(c in "0123456789abcdef" for c in key)
    candidates = []
    if id_format != choices.ReceiptIdFormat.DECIMAL and id_format != choices.ReceiptIdFormat.HEX:
        candidates.append(key)
    if id_format in (choices.ReceiptIdFormat.AUTO, choices.ReceiptIdFormat.DECIMAL) and is_decimal:
        candidates.append(normalise_id(format(int(key), "x")))
    if id_format in (choices.ReceiptIdFormat.AUTO, choices.ReceiptIdFormat.HEX) and is_hex:
        candidates.append(str(int(key, 16)))
    if not candidates:
        candidates.append(key)
    return list(dict.fromkeys(candidates))


def receipt_text(
    provider_id: str,
    status: str = "DELIVRD",
    *,
    error: str = "000",
    submit_date: str = "",
    done_date: str = "",
    text: str = "",
) -> str:
    """An appendix-B receipt text, as the sandbox SMSC sends it."""
    delivered = "001" if status == "DELIVRD" else "000"
    return (
        f"id:{provider_id} sub:001 dlvrd:{delivered} submit date:{submit_date} "
        f"done date:{done_date} stat:{status} err:{error} text:{text[:20]}"
    )
