"""Delivery receipts to message parts: match by provider id, settle the message.

A message is delivered when every part has a DELIVRD receipt, and undelivered (expired, rejected)
as soon as one part fails finally (gateway-notes, Jasmin #663, #1123). Other states (ENROUTE,
ACCEPTD, UNKNOWN, DELETED…) are recorded on the part as they are and settle nothing.

Receipts are written in batches (one transaction, one query for the parts, one upsert of the
jobs' delivered-per-second counters) because a bulk job's receipts arrive by the thousand. A
receipt for a part that is not recorded yet waits as an UnmatchedReceipt row, matched when the
part is recorded (`parts_recorded`) or by the receiver's periodic `match_waiting`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from sending.models import Message, MessagePart, UnmatchedReceipt
from sending.transports.base import Receipt
from sending.transports.smpp.receipts import candidate_ids

log = logging.getLogger(__name__)

# The stat words that settle a part, and the message state a failing one gives.
FAILED_STATES = {
    "UNDELIV": Message.Status.UNDELIVERED,
    "EXPIRED": Message.Status.EXPIRED,
    "REJECTD": Message.Status.REJECTED,
}
# States a receipt may move a message out of (a receipt proves a "possibly sent" one was sent).
SETTLEABLE = (Message.Status.SENT, Message.Status.POSSIBLY_SENT)


def outcome(status: str) -> bool | None:
    """True delivered, False failed for good, None not settled by this receipt."""
    status = status.upper()
    if status == "DELIVRD":
        return True
    if status in FAILED_STATES:
        return False
    return None


def record_receipt(profile, receipt: Receipt) -> MessagePart | None:
    """One receipt; the part it matched, or None (then it waits as an UnmatchedReceipt)."""
    return record_receipts(profile, [receipt])[0]


def record_receipts(profile, receipts: list[Receipt], *, now=None) -> list[MessagePart | None]:
    """Attach each receipt to its part (hex/decimal per profile.receipt_id_format) and settle the
    messages, in one transaction; a receipt without a part is kept as an UnmatchedReceipt.
    Returns the matched part (or None) per receipt. A repeated receipt changes nothing."""
    if not receipts:
        return []
    now = now or timezone.now()
    keys = [candidate_ids(r.provider_id, profile.receipt_id_format) for r in receipts]
    with transaction.atomic():
        found = _parts_by_key(profile, {key for ks in keys for key in ks})
        matched = [next((found[k] for k in ks if k in found), None) for ks in keys]
        pairs = [(r, part) for r, part in zip(receipts, matched, strict=True) if part is not None]
        _apply(pairs, now)
        UnmatchedReceipt.objects.bulk_create(
            _unmatched(profile, r, ks, now)
            for r, ks, part in zip(receipts, keys, matched, strict=True)
            if part is None
        )
    return matched


def parts_recorded(profile, provider_keys: Iterable[str]) -> int:
    """Match the waiting receipts of parts just recorded; returns how many matched."""
    provider_keys = [key for key in provider_keys if key]
    if not provider_keys:
        return 0
    waiting = UnmatchedReceipt.objects.filter(
        Q(key1__in=provider_keys) | Q(key2__in=provider_keys) | Q(key3__in=provider_keys),
        profile=profile,
    )
    return _match(profile, list(waiting))


def match_waiting(max_age: float | None = None) -> int:
    """Match every recent waiting receipt whose part is now recorded (by whatever sender wrote
    it); the receiver runs this every few seconds. Returns how many matched."""
    max_age = settings.SMSPORTAL_RECEIPT_WAIT if max_age is None else max_age
    since = timezone.now() - timedelta(seconds=max_age)
    waiting = UnmatchedReceipt.objects.filter(received_at__gte=since).select_related("profile")
    by_profile: dict[int, list[UnmatchedReceipt]] = {}
    for row in waiting.order_by("pk")[:20_000]:
        by_profile.setdefault(row.profile_id, []).append(row)
    return sum(_match(rows[0].profile, rows) for rows in by_profile.values())


def purge_unmatched(days: float | None = None) -> int:
    """Delete unmatched receipts older than the retention (SMSPORTAL_UNMATCHED_RECEIPT_DAYS)."""
    days = settings.SMSPORTAL_UNMATCHED_RECEIPT_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _by_model = UnmatchedReceipt.objects.filter(received_at__lt=cutoff).delete()
    return deleted


def _match(profile, rows: list[UnmatchedReceipt]) -> int:
    if not rows:
        return 0
    with transaction.atomic():
        found = _parts_by_key(profile, {key for row in rows for key in row.keys})
        pairs, done = [], []
        for row in rows:
            part = next((found[k] for k in row.keys if k in found), None)
            if part is not None:
                receipt = Receipt(row.provider_id, row.status, row.error_code, row.raw)
                pairs.append((receipt, part))
                done.append(row.pk)
        _apply(pairs, timezone.now())
        UnmatchedReceipt.objects.filter(pk__in=done).delete()
    return len(done)


def _parts_by_key(profile, keys: set[str]) -> dict[str, MessagePart]:
    """Parts of the profile's messages by provider key; for an id the SMSC reused, the newest."""
    found: dict[str, MessagePart] = {}
    keys = list(keys)
    for start in range(0, len(keys), 500):  # SQLite's variable limit
        parts = MessagePart.objects.filter(
            message__profile=profile, provider_key__in=keys[start : start + 500]
        ).order_by("message__created_at", "message_id")
        for part in parts:
            found[part.provider_key] = part
    return found


def _unmatched(profile, receipt: Receipt, keys: list[str], now) -> UnmatchedReceipt:
    padded = (keys + ["", "", ""])[:3]
    return UnmatchedReceipt(
        profile=profile,
        provider_id=receipt.provider_id[:100],
        key1=padded[0][:100],
        key2=padded[1][:100],
        key3=padded[2][:100],
        status=receipt.status[:10],
        error_code=receipt.error_code[:10],
        raw=receipt.raw,
        received_at=now,
    )


def _apply(pairs: list[tuple[Receipt, MessagePart]], now) -> None:
    """Write the receipts onto their parts and settle the messages they complete."""
    changed: dict[int, MessagePart] = {}
    for receipt, part in pairs:
        part = changed.get(part.pk, part)
        status = receipt.status.upper()[:10]
        settles = outcome(status)
        if part.delivered is not None and settles is None:
            continue  # a late intermediate receipt never undoes a final one
        if (part.receipt_status, part.receipt_error) == (status, receipt.error_code[:10]):
            continue  # the same receipt again
        part.receipt_status, part.receipt_error = status, receipt.error_code[:10]
        part.receipt_raw, part.receipt_at = receipt.raw, now
        if settles is not None:
            part.delivered = settles
        changed[part.pk] = part
    if not changed:
        return
    MessagePart.objects.bulk_update(
        changed.values(),
        ["receipt_status", "receipt_error", "receipt_raw", "receipt_at", "delivered"],
        batch_size=500,
    )
    settle({part.message_id for part in changed.values()}, now)


def settle(message_ids: Iterable[int], now) -> None:
    """Give each sent message the state its parts' receipts add up to (inside a transaction)."""
    ids = list(message_ids)
    for start in range(0, len(ids), 500):
        _settle_chunk(ids[start : start + 500], now)


def _settle_chunk(ids: list[int], now) -> None:
    messages = {
        m.pk: m
        for m in Message.objects.select_for_update()
        .filter(pk__in=ids, status__in=SETTLEABLE)
        .only("pk", "job_id", "parts_count", "status")
    }
    parts: dict[int, list[tuple[int, bool | None, str, str]]] = {}
    rows = MessagePart.objects.filter(message_id__in=list(messages)).values_list(
        "message_id", "index", "delivered", "receipt_status", "receipt_error"
    )
    for message_id, index, delivered, status, error in rows:
        parts.setdefault(message_id, []).append((index, delivered, status, error))
    delivered, failed = [], []
    for message_id, message in messages.items():
        found = sorted(parts.get(message_id, []))
        failing = [p for p in found if p[1] is False]
        if failing:
            _index, _ok, status, error = failing[0]
            message.status = FAILED_STATES.get(status, Message.Status.UNDELIVERED)
            message.error_code, message.error_reason = error, status
            message.finished_at = now
            failed.append(message)
        elif found and all(p[1] for p in found) and len(found) >= message.parts_count:
            delivered.append(message.pk)
    if delivered:
        Message.objects.filter(pk__in=delivered).update(
            status=Message.Status.DELIVERED, finished_at=now
        )
    if failed:
        Message.objects.bulk_update(
            failed, ["status", "error_code", "error_reason", "finished_at"], batch_size=500
        )
    per_job = Counter(messages[pk].job_id for pk in delivered if messages[pk].job_id)
    add_delivered(per_job, int(now.timestamp()))


def add_delivered(per_job: dict[int, int], second: int) -> None:
    """Add deliveries to the jobs' JobSecond rows of `second`: one upsert for the batch."""
    if not per_job:
        return
    from sending.models import JobSecond

    table = connection.ops.quote_name(JobSecond._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (job_id, second, parts_sent, messages_sent, failed, delivered) "
            "VALUES (%s, %s, 0, 0, 0, %s) ON CONFLICT (job_id, second) "
            f"DO UPDATE SET delivered = {table}.delivered + excluded.delivered",
            [(job_id, second, count) for job_id, count in per_job.items()],
        )


class ReceiptQueue:
    """Receipts arriving on a bind while it sends, written in batches: the bind's ReceiptSink,
    which answers them only once a flush has written them (sending.transports.smpp.session).

    A receipt can overtake its own message's outcome: part 1's receipt may arrive while part 2
    still waits for its submit_sm_resp. Such a receipt waits in the database (an
    UnmatchedReceipt, not memory: a crash loses nothing) until `parts_recorded` names its id.
    """

    def __init__(self, profile):
        self.profile = profile
        self.incoming: list[Receipt] = []
        self.recorded: list[str] = []
        self.unmatched = False

    def add(self, receipt: Receipt) -> None:
        """Called by the bind, on the thread using it."""
        self.incoming.append(receipt)

    def flush(self) -> None:
        """Write the receipts added so far (kept for the next flush if that fails)."""
        if self.incoming:
            matched = record_receipts(self.profile, self.incoming)
            self.incoming = []
            self.unmatched = self.unmatched or None in matched
        if self.recorded and self.unmatched:
            parts_recorded(self.profile, self.recorded)
        self.recorded = []

    def parts_recorded(self, provider_keys) -> None:
        self.recorded.extend(provider_keys)
        if self.unmatched:
            self.flush()

    def close(self) -> None:
        self.flush()
