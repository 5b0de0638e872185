"""Delivery receipts to message parts: match by provider id, settle the message when every part
has its final receipt (delivered only if all parts are; gateway-notes, Jasmin #663, #1123)."""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.utils import timezone

from sending.jobs.record import add_second
from sending.models import Message, MessagePart
from sending.transports.base import Receipt
from sending.transports.smpp.receipts import candidate_ids

log = logging.getLogger(__name__)


def record_receipt(profile, receipt: Receipt) -> MessagePart | None:
    """Attach a receipt to the part it is for and settle the message; None when no part of this
    profile's messages has that id (hex/decimal per profile.receipt_id_format)."""
    keys = candidate_ids(receipt.provider_id, profile.receipt_id_format)
    part = (
        MessagePart.objects.filter(message__profile=profile, provider_key__in=keys)
        .order_by("-message__created_at")
        .first()
    )
    if part is None:
        return None
    now = timezone.now()
    part.receipt_status = receipt.status[:10]
    part.receipt_error = receipt.error_code[:10]
    part.receipt_raw = receipt.raw
    part.receipt_at = now
    if receipt.final:
        part.delivered = receipt.delivered
    part.save(
        update_fields=["receipt_status", "receipt_error", "receipt_raw", "receipt_at", "delivered"]
    )
    _settle(part.message_id, now)
    return part


def _settle(message_id: int, now) -> None:
    with transaction.atomic():
        # Lock the message so two parts' receipts processed at once settle it once.
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status != Message.Status.SENT:
            return
        outcomes = list(message.parts.values_list("delivered", flat=True))
        if None in outcomes or len(outcomes) < message.parts_count:
            return
        if all(outcomes):
            message.status = Message.Status.DELIVERED
        else:
            message.status = Message.Status.UNDELIVERED
            failed = message.parts.filter(delivered=False).first()
            message.error_code = failed.receipt_error
            message.error_reason = failed.receipt_status
        message.finished_at = now
        message.save(update_fields=["status", "finished_at", "error_code", "error_reason"])
        if message.job_id and message.status == Message.Status.DELIVERED:
            # The job page's chart draws deliveries per second next to the parts sent.
            with connection.cursor() as cursor:
                add_second(cursor, message.job_id, 0, 0, 0, delivered=1)


class ReceiptQueue:
    """Receipts arriving on a bind while it sends, recorded once their part is.

    A receipt can overtake its own message's outcome: part 1's receipt may arrive while part 2
    still waits for its submit_sm_resp, so the part is not in the database yet. Such a receipt
    waits, keyed by every id it may stand for, until `parts_recorded` names that id (no query
    per waiting receipt).
    """

    LIMIT = 10_000  # waiting receipts kept; beyond that they are for messages we never sent

    def __init__(self, profile):
        self.profile = profile
        self.incoming: list[Receipt] = []
        self.waiting: dict[str, Receipt] = {}

    def add(self, receipt: Receipt) -> None:
        """The transport's on_receipt callback (called on the sending thread)."""
        self.incoming.append(receipt)

    def flush(self) -> None:
        incoming, self.incoming = self.incoming, []
        for receipt in incoming:
            if record_receipt(self.profile, receipt) is not None:
                continue
            if len(self.waiting) >= self.LIMIT:
                self.waiting.clear()
            for key in candidate_ids(receipt.provider_id, self.profile.receipt_id_format):
                self.waiting[key] = receipt

    def parts_recorded(self, provider_keys) -> None:
        for key in provider_keys:
            receipt = self.waiting.pop(key, None)
            if receipt is not None:
                record_receipt(self.profile, receipt)

    def close(self) -> None:
        self.flush()
        for receipt in {id(r): r for r in self.waiting.values()}.values():
            log.info("receipt for unknown id %r, profile %s", receipt.provider_id, self.profile.pk)
        self.waiting.clear()
