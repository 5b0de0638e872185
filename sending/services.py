"""Sending as plain functions: the Celery tasks, the admin pages and `sendsms` all call these.

One attempt of one message is `send_message(id)`: it claims the message with a conditional UPDATE
(queued -> sending), so a task delivered twice sends once; records the attempt before talking to
the gateway and the outcome after, as healthchecks' Channel.notify does.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from profiles import choices
from profiles.models import SmsProfile
from sending.compose import compose
from sending.models import Message, MessagePart
from sending.receipts import candidate_ids, normalise_id
from sending.transports import SMPP, transport_class
from sending.transports.base import (
    CheckStep,
    ConnectionReport,
    OutgoingMessage,
    Receipt,
    SendResult,
    TransportError,
)

log = logging.getLogger(__name__)

# Backoff for transient errors the profile's retry map does not name: 10 s, 20 s, 40 s … 10 min.
BACKOFF_BASE = 10
BACKOFF_CAP = 600


def test_receipt_wait() -> float:
    """Seconds a Test SMS listens for its receipt on a transceiver bind."""
    return float(getattr(settings, "SMSPORTAL_TEST_RECEIPT_WAIT", 15))


# Creating messages -------------------------------------------------------------------------------


def create_message(
    profile: SmsProfile,
    to: str,
    *,
    kind: str = Message.Kind.TEST,
    language: str = "",
    data: dict | None = None,
    text: str | None = None,
    user=None,
) -> Message:
    """Render the profile's message for `language` and `data` (or take `text` as written) and
    record it, queued. A rendering problem (missing value, too long) records a failed message
    with the reason, so it is visible like any other failure."""
    message = Message(profile=profile, kind=kind, to=to, created_by=user)
    try:
        composed = compose(profile, language=language, data=data or {}, text=text)
    except TransportError as exc:
        message.status = Message.Status.FAILED
        message.error_code, message.error_reason = exc.code, exc.reason
        message.finished_at = timezone.now()
        message.language = language
    else:
        message.text, message.sender, message.language = (
            composed.text,
            composed.sender,
            composed.language,
        )
        message.encoding, message.parts_count = composed.encoding, composed.parts
    message.save()
    return message


# Sending -----------------------------------------------------------------------------------------


def _claim(message_id: int) -> bool:
    """queued -> sending, counting the attempt; False when another worker has it or it is done."""
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = (
        Message.objects.filter(due, pk=message_id, status=Message.Status.QUEUED)
        .exclude(profile=None)
        .update(status=Message.Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=now)
    )
    return claimed == 1


def send_message(message_id: int, *, allow_retry: bool = True, listen: float = 0) -> Message | None:
    """Make one attempt at sending a queued message; None when it was not ours to send.

    A transient error re-queues the message with `next_attempt_at` set (the caller schedules the
    retry) unless `allow_retry` is False or the profile's retries are used up. `listen` > 0 keeps
    an SMPP transceiver bind open that many seconds to catch the delivery receipts.
    """
    if not _claim(message_id):
        return None
    message = Message.objects.select_related("profile").get(pk=message_id)
    profile = message.profile
    receipts: list[Receipt] = []
    try:
        with transport_class(profile.protocol)(profile, on_receipt=receipts.append) as transport:
            result = transport.send(
                OutgoingMessage(
                    to=message.to,
                    sender=message.sender,
                    text=message.text,
                    reference=str(message.pk),
                )
            )
            _record_sent(message, result)
            _record_receipts(profile, receipts)
            if listen and _listens_for_receipts(profile, transport):
                _listen(profile, transport, message, receipts, listen)
    except TransportError as exc:
        if message.status == Message.Status.SENDING:
            _record_error(message, exc, allow_retry=allow_retry)
        else:
            # Sent already; only closing or listening failed. The send stands.
            log.warning("message %s: after sending: %s", message.pk, exc.reason)
    except Exception as exc:
        # A bug or an unexpected library error: fail the message visibly, never leave it stuck.
        log.exception("message %s: unexpected error", message.pk)
        if message.status == Message.Status.SENDING:
            _record_error(
                message, TransportError(repr(exc)[:500], permanent=True), allow_retry=False
            )
    message.refresh_from_db()
    return message


def _record_sent(message: Message, result: SendResult) -> None:
    now = timezone.now()
    with transaction.atomic():
        MessagePart.objects.bulk_create(
            MessagePart(
                message=message, index=index, provider_id=pid, provider_key=normalise_id(pid)
            )
            for index, pid in enumerate(result.provider_ids, start=1)
        )
        message.status = Message.Status.SENT
        message.sent_at = now
        parts = result.parts if isinstance(result.parts, int) else len(result.parts or ())
        message.parts_count = max(parts, len(result.provider_ids), 1)
        message.encoding = result.encoding or message.encoding
        message.error_code = message.error_reason = ""
        message.next_attempt_at = None
        message.save(
            update_fields=[
                "status", "sent_at", "parts_count", "encoding", "error_code", "error_reason",
                "next_attempt_at",
            ]
        )  # fmt: skip


def retry_delay(profile: SmsProfile, exc: TransportError, attempts: int) -> float:
    """Seconds before the next attempt: the error's own hint, then the profile's retry map,
    then exponential backoff."""
    if exc.retry_after is not None:
        return max(0.0, float(exc.retry_after))
    mapped = (profile.retry_map or {}).get(exc.code)
    if mapped is not None:
        return float(mapped)
    return float(min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1)))


def _record_error(message: Message, exc: TransportError, *, allow_retry: bool) -> None:
    now = timezone.now()
    message.error_code, message.error_reason = exc.code[:40], exc.reason
    retries_left = message.attempts <= message.profile.max_retries
    if not exc.permanent and allow_retry and retries_left:
        message.status = Message.Status.QUEUED
        delay = retry_delay(message.profile, exc, message.attempts)
        message.next_attempt_at = now + timedelta(seconds=delay)
    else:
        message.status = Message.Status.FAILED
        message.finished_at = now
        message.next_attempt_at = None
    message.save(
        update_fields=["status", "error_code", "error_reason", "next_attempt_at", "finished_at"]
    )


def seconds_until_retry(message: Message) -> float:
    if message.next_attempt_at is None:
        return 0.0
    return max(0.0, (message.next_attempt_at - timezone.now()).total_seconds())


# Receipts ----------------------------------------------------------------------------------------


def _listens_for_receipts(profile: SmsProfile, transport) -> bool:
    return (
        profile.protocol == SMPP
        and profile.bind_mode == choices.BindMode.TRANSCEIVER
        and profile.delivery_receipts != choices.DeliveryReceipts.NONE
        and hasattr(transport, "poll_receipts")
    )


def _listen(profile, transport, message: Message, receipts: list[Receipt], seconds: float) -> None:
    """Poll the bind for receipts until every part has a final one or `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        receipts.clear()
        transport.poll_receipts(min(1.0, max(0.05, deadline - time.monotonic())))
        _record_receipts(profile, receipts)
        receipts.clear()
        if not message.parts.filter(Q(delivered__isnull=True)).exists():
            return


def _record_receipts(profile, receipts: list[Receipt]) -> None:
    for receipt in list(receipts):
        record_receipt(profile, receipt)
    receipts.clear()


def record_receipt(profile: SmsProfile, receipt: Receipt) -> MessagePart | None:
    """Attach a delivery receipt to the part it is for; settle the message when every part has a
    final receipt (delivered only if all parts are). None when no part matches."""
    keys = candidate_ids(receipt.provider_id, profile.receipt_id_format)
    part = (
        MessagePart.objects.filter(message__profile=profile, provider_key__in=keys)
        .select_related("message")
        .order_by("-message__created_at")
        .first()
    )
    if part is None:
        log.info("receipt for unknown id %r on profile %s", receipt.provider_id, profile.pk)
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
            message.status = Message.Status.UNDELIVERABLE
            failed = message.parts.filter(delivered=False).first()
            message.error_code = failed.receipt_error
            message.error_reason = failed.receipt_status
        message.finished_at = now
        message.save(update_fields=["status", "finished_at", "error_code", "error_reason"])


# Test connection ---------------------------------------------------------------------------------


def check_connection(profile_id: int) -> ConnectionReport:
    """Run the transport's connection check for a profile (bind, enquire_link, unbind for SMPP;
    does the host answer for Web URL). Never raises for a gateway problem."""
    profile = SmsProfile.objects.get(pk=profile_id)
    started = time.monotonic()
    try:
        return transport_class(profile.protocol)(profile).check_connection()
    except TransportError as exc:
        reason = exc.reason
    except Exception as exc:  # a bug must still give the admin an answer, not a 500
        log.exception("check_connection of profile %s", profile.pk)
        reason = _("Unexpected error: %(error)s") % {"error": exc.__class__.__name__}
    report = ConnectionReport()
    report.steps.append(CheckStep(_("Connect"), False, time.monotonic() - started, reason))
    return report


def queue_test_message(
    profile: SmsProfile, to: str, *, language: str = "", data: dict | None = None, user=None
) -> Message:
    """Record a Test SMS and hand it to a worker once the transaction commits."""
    from sending import tasks

    message = create_message(profile, to, language=language, data=data, user=user)
    if message.status == Message.Status.QUEUED:
        tasks.send_message.delay_on_commit(message.pk)
    return message
