"""Recording a bulk batch's outcomes with batched SQL: a few statements per chunk, not per message.

bulk-notes measured the ORM at about 5,000 messages/s for claim + mark sent + part rows; here the
sent messages are one executemany (SQLite) or one `UPDATE … WHERE id = ANY(%s)` per shape
(PostgreSQL), their parts one executemany (SQLite) or COPY (PostgreSQL), and the job's current
second one upsert; the chunks whose last outcome this is are no longer handed (claim.finished).
What an error means for its message is sending.outcomes' rule, as for a
Test SMS.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from sending import outcomes, scrubbing
from sending.models import JobSecond, Message, MessagePart
from sending.transports.base import OutgoingMessage, SendResult, TransportError
from sending.transports.smpp.receipts import normalise_id

from . import claim
from .claim import Claimed, in_ids, is_postgres

M = Message._meta.db_table
P = MessagePart._meta.db_table
J = JobSecond._meta.db_table
S = Message.Status
PART_COLUMNS = (
    "message_id", "index", "provider_id", "provider_key", "receipt_status", "receipt_error",
    "receipt_raw",
)  # fmt: skip


class Recorder:
    """Collects outcomes; `take()` hands them over to be written in one transaction (write)."""

    def __init__(self, job_id: int, profile):
        self.job_id, self.profile = job_id, profile
        self.secrets = scrubbing.profile_secrets(profile)  # never stored in an error reason
        self.sent: list[tuple] = []  # (id, parts_count, encoding, concat_ref, possibly_duplicate)
        self.parts: list[tuple] = []
        self.errors: list[tuple] = []  # (status, code, reason, next_attempt_at, finished_at, id)
        self.concat: list[tuple] = []  # (concat_ref, id) of failed messages with accepted parts
        # The chart's counts by the second each outcome came in (not the flush's second, which
        # may hold a second and more of sending at a low cap): second -> [parts, messages, failed].
        self.seconds: dict[int, list[int]] = {}
        self.finished: list[str] = []  # claims of handed chunks with every outcome collected
        self.pending = 0

    def __len__(self) -> int:
        return self.pending

    def record_sent(self, row: Claimed, message: OutgoingMessage, result: SendResult) -> list[str]:
        """Returns the parts' provider keys (for receipts that arrived first)."""
        indexes = message.only or range(1, len(result.provider_ids) + 1)
        keys = []
        for index, provider_id in zip(indexes, result.provider_ids, strict=False):
            key = normalise_id(provider_id)
            keys.append(key)
            self.parts.append((row.id, index, provider_id, key, "", "", ""))
        total = row.parts_count if message.only else 0
        count = max(total, result.parts or 0, len(result.provider_ids), 1)
        self.sent.append(
            (row.id, count, result.encoding or "", message.concat_ref, result.possibly_duplicate)
        )
        tally = self._tally()
        tally[0] += len(result.provider_ids) or count
        tally[1] += 1
        self.pending += 1
        return keys

    def record_error(self, row: Claimed, message: OutgoingMessage, exc: TransportError) -> str:
        """Returns the message's new status."""
        now = timezone.now()
        decision = outcomes.after_error(self.profile, row.attempts, exc, now)
        status = decision.status
        numbers = message.only or range(1, len(message.accepted) + 1)
        accepted = [(i, pid) for i, pid in zip(numbers, message.accepted, strict=True) if pid]
        for index, provider_id in accepted:
            self.parts.append((row.id, index, provider_id, normalise_id(provider_id), "", "", ""))
        if accepted and message.concat_ref is not None:
            self.concat.append((message.concat_ref, row.id))
        self.errors.append(
            (status, exc.code[:40], scrubbing.scrub(exc.reason, self.secrets),
             decision.next_attempt_at, decision.finished_at,
             decision.possibly_duplicate, row.id)
        )  # fmt: skip
        self._tally()[2] += status == S.FAILED
        self.pending += 1
        return status

    def _tally(self) -> list[int]:
        second = int(time.time())
        tally = self.seconds.get(second)
        if tally is None:
            tally = self.seconds[second] = [0, 0, 0]
        return tally

    def take(self) -> Batch:
        """The outcomes collected so far, to be written (Recorder starts empty again)."""
        batch = Batch(
            self.job_id, self.sent, self.parts, self.errors, self.concat, self.seconds,
            self.finished,
        )  # fmt: skip
        self.sent, self.parts, self.errors, self.concat = [], [], [], []
        self.seconds, self.finished, self.pending = {}, [], 0
        return batch


@dataclass(slots=True)
class Batch:
    """A Recorder's outcomes, taken out to be written by the writer thread (sending.jobs.writer)."""

    job_id: int
    sent: list[tuple]
    parts: list[tuple]
    errors: list[tuple]
    concat: list[tuple]
    seconds: dict[int, list[int]]
    finished: list[str]

    def __bool__(self) -> bool:
        return bool(self.sent or self.errors or self.finished)


def write(batch: Batch) -> None:
    """One transaction: the messages' new states, their parts, the job's per-second counts, the
    chunks finished."""
    if not batch:
        return
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        if batch.sent:
            _write_sent(cursor, batch.sent, now)
        if batch.errors:
            cursor.executemany(
                f"UPDATE {M} SET status = %s, error_code = %s, error_reason = %s, "
                "next_attempt_at = %s, finished_at = %s, claim_expires_at = NULL, "
                "possibly_duplicate = possibly_duplicate OR %s WHERE id = %s",
                batch.errors,
            )
        if batch.concat:
            cursor.executemany(f"UPDATE {M} SET concat_ref = %s WHERE id = %s", batch.concat)
        if batch.parts:
            _write_parts(cursor, batch.parts)
        for second, (parts_sent, messages_sent, failed) in batch.seconds.items():
            add_second(cursor, batch.job_id, parts_sent, messages_sent, failed, second=second)
        if batch.finished:
            claim.finished(batch.finished, cursor)


def _write_sent(cursor, sent: list[tuple], now: datetime) -> None:
    head = (
        f"UPDATE {M} SET status = %s, sent_at = %s, parts_count = %s, encoding = %s, "
        "concat_ref = COALESCE(%s, concat_ref), error_code = '', error_reason = '', "
        "next_attempt_at = NULL, claim_expires_at = NULL, "
        "possibly_duplicate = possibly_duplicate OR %s"
    )
    if not is_postgres():
        cursor.executemany(
            head + " WHERE id = %s",
            [(S.SENT, now, count, enc, ref, twice, pk) for pk, count, enc, ref, twice in sent],
        )
        return
    shapes: dict[tuple, list[int]] = defaultdict(list)
    for pk, *shape in sent:
        shapes[tuple(shape)].append(pk)
    for shape, ids in shapes.items():
        clause, params = in_ids(ids)
        cursor.execute(f"{head} WHERE {clause}", [S.SENT, now, *shape, *params])


def _write_parts(cursor, parts: list[tuple]) -> None:
    columns = ", ".join(f'"{c}"' for c in PART_COLUMNS)
    if is_postgres():
        with cursor.cursor.copy(f"COPY {P} ({columns}) FROM STDIN") as copy:
            for part in parts:
                copy.write_row(part)
        return
    marks = ", ".join(["%s"] * len(PART_COLUMNS))
    cursor.executemany(f"INSERT INTO {P} ({columns}) VALUES ({marks})", parts)


def add_second(
    cursor,
    job_id: int,
    parts_sent: int,
    messages_sent: int,
    failed: int,
    second: int | None = None,
) -> None:
    """Add to the job's row of a second (default: the current one) for the chart, one upsert."""
    if not (parts_sent or messages_sent or failed):
        return
    cursor.execute(
        f"INSERT INTO {J} (job_id, second, parts_sent, messages_sent, failed, delivered) "
        "VALUES (%s, %s, %s, %s, %s, 0) ON CONFLICT (job_id, second) DO UPDATE SET "
        f"parts_sent = {J}.parts_sent + excluded.parts_sent, "
        f"messages_sent = {J}.messages_sent + excluded.messages_sent, "
        f"failed = {J}.failed + excluded.failed",
        [job_id, second or int(time.time()), parts_sent, messages_sent, failed],
    )
