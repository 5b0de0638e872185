"""The sweeper (Celery beat, every second or two): what no worker is looking after any more.

- A claim whose lease expired (its worker died or hung): a message still `sending` had nothing on
  the wire, so it is queued again (the attempt not counted); one `submitting`, or `sending` in a
  chunk handed to the transport (HandedChunk), may be at the SMSC with no answer recorded, so it
  becomes `possibly_sent`, and then, by the profile's step-4 choice, is either resent (flagged
  possibly_duplicate) or left for the user. Never silently resent, never lost.
- A retry whose time has come: a job's message is queued for the job's senders; a Test SMS or
  `sendsms` message is handed to a worker again. Retries live in the database, so a Redis restart
  loses none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from profiles import choices
from sending.models import BulkJob, HandedChunk, Message

log = logging.getLogger(__name__)

S = Message.Status
# A handed-out Test SMS whose task was lost (Redis restarted) is handed out again after this.
REQUEUE_AFTER = timedelta(seconds=60)
LIMIT = 5000  # rows per step per sweep; the next sweep takes the rest


def sweep(enqueue: Callable[[int], None] | None = None) -> dict[str, int]:
    """One pass; `enqueue(message_id)` hands a single (non-bulk) message to a worker."""
    now = timezone.now()
    _handed_to_submitting(now)
    counts = {
        "returned": _return_unsent(now),
        "possibly_sent": _possibly_sent(now),
        "retry_bulk": _due_bulk_retries(now),
        "retry_single": _due_single_retries(now, enqueue),
    }
    _forget_handed(now)
    if any(counts.values()):
        log.info("sweeper: %s", counts)
    return counts


def _expired(now, status):
    return Message.objects.filter(status=status, claim_expires_at__lt=now)


def _ids(queryset) -> list[int]:
    return list(queryset.order_by().values_list("pk", flat=True)[:LIMIT])


def _handed():
    """The message's claim is a chunk handed to the transport."""
    return Exists(HandedChunk.objects.filter(token=OuterRef("claim")))


def _handed_to_submitting(now) -> None:
    """Expired claims of chunks handed to the transport: their messages may be at the SMSC."""
    ids = _ids(_expired(now, S.SENDING).filter(_handed()))
    if ids:
        Message.objects.filter(pk__in=ids, status=S.SENDING).update(status=S.SUBMITTING)


def _forget_handed(now) -> None:
    """Marks of handed chunks none of whose messages is still sending (their worker died; the
    messages went to submitting above): the last outcome deletes the others."""
    old = now - timedelta(seconds=settings.SMSPORTAL_BULK_LEASE)
    sending = Message.objects.filter(claim=OuterRef("token"), status=S.SENDING)
    HandedChunk.objects.filter(handed_at__lt=old).exclude(Exists(sending)).delete()


def _return_unsent(now) -> int:
    ids = _ids(_expired(now, S.SENDING))
    if not ids:
        return 0
    # Not one whose chunk was handed over since the lookup: that one may be at the SMSC.
    unsent = Message.objects.filter(pk__in=ids, status=S.SENDING).exclude(_handed())
    with transaction.atomic():
        cancelled = unsent.filter(job__status=BulkJob.Status.CANCELLED).update(
            status=S.CANCELLED, finished_at=now, claim_expires_at=None
        )
        returned = unsent.update(status=S.QUEUED, claim_expires_at=None, attempts=F("attempts") - 1)
    return cancelled + returned


def _possibly_sent(now) -> int:
    ids = _ids(_expired(now, S.SUBMITTING))
    if not ids:
        return 0
    reason = _(
        "The worker sending it stopped after writing it to the gateway, before the answer was "
        "recorded: it may have been sent."
    )
    common = {"error_code": "possibly_sent", "error_reason": reason, "claim_expires_at": None}
    with transaction.atomic():
        expired = Message.objects.filter(pk__in=ids, status=S.SUBMITTING)
        resend = expired.filter(
            profile__after_crash=choices.AfterCrash.RESEND,
            attempts__lte=F("profile__max_retries"),
        ).exclude(job__status=BulkJob.Status.CANCELLED)
        # Resent by the profile's choice: retrying now, flagged as perhaps arriving twice.
        resent = resend.update(
            status=S.RETRYING, next_attempt_at=now, possibly_duplicate=True, **common
        )
        left = expired.update(status=S.POSSIBLY_SENT, **common)
    return resent + left


def _due_bulk_retries(now) -> int:
    ids = _ids(
        Message.objects.filter(status=S.RETRYING, next_attempt_at__lte=now, job__isnull=False)
    )
    if not ids:
        return 0
    return Message.objects.filter(pk__in=ids, status=S.RETRYING).update(
        status=S.QUEUED, next_attempt_at=None
    )


def _due_single_retries(now, enqueue) -> int:
    """Retrying singles that are due, and queued ones whose task seems lost, go to a worker."""
    if enqueue is None:
        return 0
    due = Message.objects.filter(
        status__in=(S.RETRYING, S.QUEUED), next_attempt_at__lte=now, job__isnull=True
    ).exclude(profile=None)
    ids = _ids(due)
    if not ids:
        return 0
    # Stays claimable (queued), with a new time after which it is handed out again.
    Message.objects.filter(pk__in=ids).update(status=S.QUEUED, next_attempt_at=now + REQUEUE_AFTER)
    for message_id in ids:
        enqueue(message_id)
    return len(ids)
