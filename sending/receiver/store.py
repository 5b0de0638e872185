"""What one read of a receiving bind brings, written down in one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from sending import inbound, services
from sending.models import Message
from sending.receipt_matching import record_receipts
from sending.transports.smpp import codec, receipts
from sending.transports.smpp.codec import DELIVER_SM, ESM_NOTIFICATIONS, ESM_TYPE_MASK

log = logging.getLogger(__name__)

# Answer to a deliver_sm we cannot decode: a permanent error, so the SMSC stops resending it.
ESME_RX_P_APPN = 0x65


@dataclass
class Stored:
    statuses: list[int] = field(default_factory=list)
    receipts: int = 0
    inbound: int = 0
    replies: list[int] = field(default_factory=list)  # auto-reply messages to queue


def store_deliveries(profile, bodies: list[bytes]) -> Stored:
    """Decode every deliver_sm body, record receipts and inbound parts, and say what to answer
    each one. Raises when the database refuses: then nothing is answered."""
    result = Stored()
    found_receipts, found_inbound = [], []
    for body in bodies:
        try:
            sm = codec.decode(DELIVER_SM, 0, 0, body)
        except ValueError:
            log.warning("profile %s: undecodable deliver_sm %s", profile.pk, body[:64].hex())
            result.statuses.append(ESME_RX_P_APPN)
            continue
        result.statuses.append(0)
        if (sm.esm_class or 0) & ESM_TYPE_MASK in ESM_NOTIFICATIONS:  # receipt / notification
            found_receipts.append(receipts.from_deliver_sm(sm))
        else:
            found_inbound.append(inbound.from_deliver_sm(sm, body))
    now = timezone.now()
    with transaction.atomic():
        record_receipts(profile, found_receipts, now=now)
        for part in found_inbound:
            message = inbound.store(profile, part, now)
            if message is None:
                continue
            reply = inbound.handle_complete(message)
            if reply:
                queued = services.create_message(
                    profile, message.sender, kind=Message.Kind.REPLY, text=reply
                )
                if queued.status == Message.Status.QUEUED:
                    result.replies.append(queued.pk)
    result.receipts, result.inbound = len(found_receipts), len(found_inbound)
    return result
