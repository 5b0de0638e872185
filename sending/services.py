"""Sending as plain functions: the Celery tasks, the admin pages and `sendsms` all call these.

One attempt of one message is `send_message(id)`: it claims the message with a conditional UPDATE
(queued -> sending), so a task delivered twice sends once; records the attempt before talking to
the gateway and the outcome after, as healthchecks' Channel.notify does.
"""

from __future__ import annotations

import logging
import time
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from profiles import choices, crypto
from profiles.message import parts
from profiles.models import SmsProfile
from sending import outcomes, scrubbing
from sending.compose import compose
from sending.models import Message, MessagePart
from sending.receipt_matching import ReceiptQueue
from sending.transports import SMPP, transport_class
from sending.transports.base import (
    CheckStep,
    ConnectionReport,
    OutgoingMessage,
    SendResult,
    TransportError,
)
from sending.transports.smpp.receipts import normalise_id

log = logging.getLogger(__name__)

# The rules of one attempt's outcome live in sending.outcomes (bulk jobs follow the same ones).
retry_delay = outcomes.retry_delay


def test_receipt_wait() -> float:
    """Seconds a Test SMS listens for its receipt on a transceiver bind."""
    return float(settings.SMSPORTAL_TEST_RECEIPT_WAIT)


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


def due_filter(now) -> Q:
    """Messages a worker may send now: queued, or retrying whose next attempt has come."""
    return Q(status=Message.Status.QUEUED) | Q(
        status=Message.Status.RETRYING, next_attempt_at__lte=now
    )


def _claim(message_ids) -> str:
    """Claim the due messages among `message_ids` with one conditional UPDATE (-> sending,
    counting the attempt) and return the claim token; rows another worker claimed, or that are
    already sent, are not touched, so a task delivered twice sends nothing twice."""
    token = uuid.uuid4().hex
    now = timezone.now()
    Message.objects.filter(due_filter(now), pk__in=list(message_ids)).exclude(profile=None).update(
        status=Message.Status.SENDING, claim=token, attempts=F("attempts") + 1, last_attempt_at=now
    )
    return token


def send_message(message_id: int, *, allow_retry: bool = True, listen: float = 0) -> Message | None:
    """Make one attempt at sending a queued message; None when it was not ours to send.

    A transient error leaves the message retrying with `next_attempt_at` set (the sweeper hands
    it out again then) unless `allow_retry` is False or the profile's retries are used up.
    `listen` > 0 keeps an SMPP transceiver bind open that many seconds to catch the receipts.
    """
    sent = send_messages([message_id], allow_retry=allow_retry, listen=listen)
    return sent[0] if sent else None


def send_messages(message_ids, *, allow_retry: bool = True, listen: float = 0) -> list[Message]:
    """One attempt at each queued, due message among `message_ids`, with one session per profile
    (one SMPP bind, pipelined within the window; Web URL up to its concurrency). Returns the
    messages this call claimed, as they are now."""
    token = _claim(message_ids)
    claimed = Message.objects.filter(claim=token).select_related("profile").order_by("pk")
    by_profile: dict[int, list[Message]] = {}
    for message in claimed:
        by_profile.setdefault(message.profile_id, []).append(message)
    for messages in by_profile.values():
        _send_group(messages[0].profile, messages, allow_retry=allow_retry, listen=listen)
    return list(Message.objects.filter(claim=token).order_by("pk"))


def _send_group(profile, messages: list[Message], *, allow_retry: bool, listen: float) -> None:
    """Send one profile's claimed messages. Each outcome is recorded as it comes; an unexpected
    error fails the messages left without an outcome, with a readable reason."""
    try:
        secrets = scrubbing.profile_secrets(profile, strict=True)
    except crypto.SecretUnreadable as exc:
        for message in messages:
            _record_error(message, unreadable_secret(exc), allow_retry=False)
        return
    with scrubbing.secrets_in_use(secrets):
        _send_group_scrubbed(profile, messages, allow_retry=allow_retry, listen=listen)


def _send_group_scrubbed(profile, messages, *, allow_retry: bool, listen: float) -> None:
    pending = {str(message.pk): message for message in messages}
    receipts = ReceiptQueue(profile)
    outgoing = (
        OutgoingMessage(m.to, m.sender, m.text, str(m.pk), parts.plan(m.text, profile))
        for m in messages
    )
    try:
        with transport_class(profile.protocol)(profile, sink=receipts) as transport:
            for sent, outcome in transport.send_many(outgoing):
                _settle(pending.pop(sent.reference), outcome, receipts, allow_retry=allow_retry)
                receipts.flush()
            if listen and _listens_for_receipts(profile, transport):
                _listen(transport, receipts, messages, listen)
    except TransportError as exc:
        # Bind refused, connection lost for good…: every message without an outcome shares it.
        for message in pending.values():
            _record_error(message, exc, allow_retry=allow_retry)
        if not pending:
            log.warning("profile %s: after sending: %s", profile.pk, exc.reason)
    except Exception as exc:
        # A bug or an unexpected library error: fail visibly and never retry (a part may be out).
        log.exception("profile %s: unexpected error while sending", profile.pk)
        error = unexpected_error(exc)
        for message in pending.values():
            _record_error(message, error, allow_retry=False)
    finally:
        receipts.close()


def _settle(message: Message, outcome, receipts: ReceiptQueue, *, allow_retry: bool) -> None:
    """Record one message's outcome; if recording itself fails, the message still ends failed
    with a readable reason rather than `sending` for ever."""
    try:
        if isinstance(outcome, TransportError):
            _record_error(message, outcome, allow_retry=allow_retry)
        else:
            receipts.parts_recorded(_record_sent(message, outcome))
    except Exception as exc:
        log.exception("message %s: recording its outcome failed", message.pk)
        _record_error(message, unexpected_error(exc), allow_retry=False)


def _record_sent(message: Message, result: SendResult) -> list[str]:
    """Save the parts and mark the message sent; returns the parts' provider keys."""
    now = timezone.now()
    parts = [
        MessagePart(message=message, index=index, provider_id=pid, provider_key=normalise_id(pid))
        for index, pid in enumerate(result.provider_ids, start=1)
    ]
    with transaction.atomic():
        MessagePart.objects.bulk_create(parts)
        message.status = Message.Status.SENT
        message.sent_at = now
        count = result.parts if isinstance(result.parts, int) else len(result.parts or ())
        message.parts_count = max(count, len(result.provider_ids), 1)
        message.encoding = result.encoding or message.encoding
        message.error_code = message.error_reason = ""
        message.next_attempt_at = None
        message.possibly_duplicate = message.possibly_duplicate or result.possibly_duplicate
        message.save(
            update_fields=[
                "status", "sent_at", "parts_count", "encoding", "error_code", "error_reason",
                "next_attempt_at", "possibly_duplicate",
            ]
        )  # fmt: skip
    return [part.provider_key for part in parts]


def unreadable_secret(exc: crypto.SecretUnreadable) -> TransportError:
    if exc.kind == "header":
        reason = _(
            "A stored secret header value cannot be decrypted with the configured keys; "
            "re-enter it in step 4."
        )
    else:
        reason = _(
            "The stored password cannot be decrypted with the configured keys; "
            "re-enter it in step 2."
        )
    return TransportError(reason, permanent=True, code="secret")


def unexpected_error(exc: BaseException) -> TransportError:
    """A permanent failure that says what went wrong without a repr (secrets are scrubbed)."""
    detail = scrubbing.scrub_active(" ".join(str(exc).split()))[:300]
    reason = _("Unexpected error (%(type)s); see the worker log.") % {"type": type(exc).__name__}
    return TransportError(f"{reason} {detail}".strip(), permanent=True, code="error")


def _record_error(message: Message, exc: TransportError, *, allow_retry: bool) -> None:
    decision = outcomes.after_error(
        message.profile, message.attempts, exc, timezone.now(), allow_retry=allow_retry
    )
    message.error_code = exc.code[:40]
    message.error_reason = scrubbing.scrub(exc.reason, scrubbing.profile_secrets(message.profile))
    message.status = decision.status
    message.next_attempt_at = decision.next_attempt_at
    message.finished_at = decision.finished_at
    message.possibly_duplicate = message.possibly_duplicate or decision.possibly_duplicate
    message.save(
        update_fields=[
            "status", "error_code", "error_reason", "next_attempt_at", "finished_at",
            "possibly_duplicate",
        ]
    )  # fmt: skip


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


def _listen(transport, receipts: ReceiptQueue, messages: list[Message], seconds: float) -> None:
    """Poll the bind for receipts until every sent part has a final one or `seconds` passed."""
    deadline = time.monotonic() + seconds
    awaiting = MessagePart.objects.filter(message__in=messages, delivered__isnull=True)
    while awaiting.exists() and time.monotonic() < deadline:
        transport.poll_receipts(min(1.0, max(0.05, deadline - time.monotonic())))
        receipts.flush()


# Test connection ---------------------------------------------------------------------------------


def check_connection(profile_id: int) -> ConnectionReport:
    """Run the transport's connection check for a profile (bind, enquire_link, unbind for SMPP;
    does the host answer for Web URL). Never raises for a gateway problem."""
    profile = SmsProfile.objects.get(pk=profile_id)
    try:
        secrets = scrubbing.profile_secrets(profile, strict=True)
    except crypto.SecretUnreadable as exc:
        report = ConnectionReport()
        report.steps.append(CheckStep(_("Connect"), False, 0.0, unreadable_secret(exc).reason))
        return report
    with scrubbing.secrets_in_use(secrets):
        report = _check(profile)
        for step in report.steps:
            step.detail = scrubbing.scrub(step.detail, secrets)
        return report


def _check(profile: SmsProfile) -> ConnectionReport:
    started = time.monotonic()
    try:
        return transport_class(profile.protocol)(profile).check_connection()
    except TransportError as exc:
        reason = exc.reason
    except Exception as exc:  # a bug must still give the admin an answer, not a 500
        log.exception("check_connection of profile %s", profile.pk)
        reason = unexpected_error(exc).reason
    report = ConnectionReport()
    report.steps.append(CheckStep(_("Connect"), False, time.monotonic() - started, reason))
    return report
