"""Receipts a Web URL gateway calls back with: Kannel's dlr-url and Jasmin's dlr-url.

Every Web URL profile has a callback URL with a secret token,
``<SMSPORTAL_PUBLIC_URL>/receipts/<profile id>/<token>/<our message id>/``; the placeholders
{receipt_url} (Jasmin) and {kannel_receipt_url} (the same URL with Kannel's escapes
``type=%d&smsc=%F&answer=%A``) put it into each request, so the gateway hands our own message id
back: Kannel's sendsms returns no id at all. Kannel's ``type`` (%d) is a bit mask, decoded bit by
bit (1 delivered, 2 failed, 4 buffered, 8 accepted by the SMSC, 16 rejected by the SMSC; Kannel
1.4.5 reports an expired message as 34 = 32 + 2). Jasmin sends ``message_status`` (DELIVRD,
EXPIRED… at level 2; ESME_ROK… at level 1) and ``id``, and retries until the body is
``ACK/Jasmin``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from profiles import crypto
from profiles.models import SmsProfile
from sending.models import Message, MessagePart, UnmatchedReceipt
from sending.receipt_matching import FAILED_STATES, SETTLEABLE, outcome
from sending.transports.base import Receipt
from sending.transports.smpp.receipts import candidate_ids, normalise_id, parse_text

KANNEL_ESCAPES = "?type=%d&smsc=%F&answer=%A"

DELIVERED, FAILED, BUFFERED, SMSC_ACCEPTED, SMSC_REJECTED, EXPIRED = 1, 2, 4, 8, 16, 32


def callback_url(profile, reference: str, token: str | None = None) -> str:
    token = profile.ensure_receipt_token() if token is None else token
    return (
        f"{settings.SMSPORTAL_PUBLIC_URL}/receipts/{profile.pk}/{quote(token, safe='')}/"
        f"{quote(reference, safe='')}/"
    )


def kannel_state(mask: int) -> str:
    """The stat word a Kannel %d stands for, tested bit by bit (never for equality)."""
    if mask & DELIVERED:
        return "DELIVRD"
    if mask & FAILED:
        return "EXPIRED" if mask & EXPIRED else "UNDELIV"
    if mask & SMSC_REJECTED:
        return "REJECTD"
    if mask & BUFFERED:
        return "BUFFRED"
    if mask & SMSC_ACCEPTED:
        return "ACCEPTD"
    return "UNKNOWN"


class Forbidden(Exception):
    pass


class BadCallback(ValueError):
    pass


@dataclass
class Outcome:
    body: str
    changed: bool


def _profile(profile_id: int, token: str) -> SmsProfile:
    profile = SmsProfile.objects.filter(pk=profile_id).first()
    try:
        stored = profile.receipt_token if profile is not None else ""
    except crypto.SecretUnreadable:
        stored = ""
    # Compared in constant time; a missing profile costs the same comparison.
    if not hmac.compare_digest((stored or "\0").encode(), token.encode()) or not stored:
        raise Forbidden
    return profile


def parse(params) -> tuple[Receipt, bool]:
    """The receipt in a callback's parameters, and whether Jasmin sent it."""
    if params.get("type", "").strip():
        try:
            mask = int(params["type"])
        except ValueError:
            raise BadCallback(_("type must be Kannel's %d, a number.")) from None
        answer = params.get("answer", "")
        status = kannel_state(mask)
        error = parse_text(answer).get("err", "")
        return Receipt(params.get("smsc", ""), status, error, raw=answer or str(mask)), False
    if params.get("message_status", "").strip():
        status = params["message_status"].strip().upper()
        if status.startswith("ESME_"):  # level 1: the SMSC's answer to the submit
            status = "ACCEPTD" if status == "ESME_ROK" else "REJECTD"
        raw = " ".join(
            f"{k}:{params[k]}" for k in ("id", "message_status", "level", "err") if k in params
        )
        return Receipt(params.get("id", ""), status[:10], params.get("err", "")[:10], raw), True
    raise BadCallback(_("No receipt state: expected Kannel's type or Jasmin's message_status."))


def handle(profile_id: int, token: str, reference: str, params) -> Outcome:
    """Record one callback. Forbidden for a wrong token, BadCallback for missing fields; a
    callback repeated changes nothing."""
    profile = _profile(profile_id, token)
    receipt, jasmin = parse(params)
    ack = "ACK/Jasmin" if jasmin else "OK"
    now = timezone.now()
    with transaction.atomic():
        message = None
        if reference.isdigit():
            message = (
                Message.objects.select_for_update()
                .filter(pk=int(reference), profile=profile)
                .first()
            )
        if message is None and receipt.provider_id:
            keys = candidate_ids(receipt.provider_id, profile.receipt_id_format)
            part = (
                MessagePart.objects.filter(message__profile=profile, provider_key__in=keys)
                .select_related("message")
                .order_by("-message__created_at")
                .first()
            )
            message = part.message if part else None
        if message is None:
            UnmatchedReceipt.objects.create(
                profile=profile, provider_id=(receipt.provider_id or reference)[:100],
                key1=normalise_id(receipt.provider_id or reference)[:100], status=receipt.status,
                error_code=receipt.error_code, raw=receipt.raw, received_at=now,
            )  # fmt: skip
            return Outcome(ack, False)
        return Outcome(ack, _apply(message, receipt, now))


def _apply(message: Message, receipt: Receipt, now) -> bool:
    """The gateway reports on the whole message (it split it itself): one part row holds the
    receipt, and a final state settles the message."""
    part = message.parts.order_by("index").first()
    if part is None:
        part = MessagePart(message=message, index=1)
    settles = outcome(receipt.status)
    if part.delivered is not None and settles is None:
        return False  # a late intermediate report never undoes a final one
    if (part.receipt_status, part.receipt_error) == (receipt.status, receipt.error_code):
        return False
    if receipt.provider_id and not part.provider_id:
        part.provider_id = receipt.provider_id[:100]
        part.provider_key = normalise_id(part.provider_id)
    part.receipt_status, part.receipt_error = receipt.status, receipt.error_code
    part.receipt_raw, part.receipt_at = receipt.raw, now
    if settles is not None:
        part.delivered = settles
    part.save()
    if settles is not None and message.status in SETTLEABLE:
        if settles:
            message.status = Message.Status.DELIVERED
        else:
            message.status = FAILED_STATES[receipt.status]
            message.error_code, message.error_reason = receipt.error_code, receipt.status
        message.finished_at = now
        message.save(update_fields=["status", "error_code", "error_reason", "finished_at"])
        if settles and message.job_id:
            from sending.receipt_matching import add_delivered

            add_delivered({message.job_id: 1}, int(now.timestamp()))
    return True
