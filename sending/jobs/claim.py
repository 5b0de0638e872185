"""Claiming a bulk job's messages in batches, atomically, so two workers never send one twice.

PostgreSQL: one UPDATE over `SELECT … ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED` (two workers
claim different rows without waiting on each other). SQLite: the same conditional UPDATE without
row locks (SQLite has one writer at a time; the sub-select runs inside the writer's transaction).
Both set status sending (or submitting, for the sender that writes the chunk next), a claim
token and a lease (claim_expires_at) the sweeper honours, and count the attempt. Raw SQL: this
is the hot path (bulk-notes: the ORM is the bottleneck).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from sending.models import Message, MessagePart, OptOut

M = Message._meta.db_table
S = Message.Status


@dataclass(slots=True)
class Claimed:
    """One claimed message, as the runner needs it."""

    id: int
    to: str
    sender: str
    text: str
    attempts: int
    concat_ref: int | None
    parts_count: int
    accepted: dict[int, str] = field(default_factory=dict)  # part index -> provider id


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def in_ids(ids) -> tuple[str, list]:
    """`id IN (…)` for SQLite, `id = ANY(%s)` (one parameter) for PostgreSQL."""
    ids = list(ids)
    if is_postgres():
        return "id = ANY(%s)", [ids]
    return f"id IN ({','.join(['%s'] * len(ids))})", ids


def claim_batch(
    job_id: int,
    limit: int,
    lease: float,
    zones: list[str] | None = None,
    *,
    token: str | None = None,
    submitting: bool = False,
) -> tuple[str, list[Claimed]]:
    """Claim up to `limit` queued messages of the job (only those whose time zone is in `zones`
    when given: the send window) and return (claim token, the rows in id order). `token` adds
    them to an earlier claim; `submitting` claims them straight into status submitting (the
    sender writes their submit_sm next: one UPDATE per message fewer than sending, then
    submitting)."""
    token = token or uuid.uuid4().hex
    now = timezone.now()
    where, params = "job_id = %s AND status = %s", [job_id, S.QUEUED]
    if zones is not None:
        if not zones:
            return token, []
        if is_postgres():
            where += " AND time_zone = ANY(%s)"
            params.append(list(zones))
        else:
            where += f" AND time_zone IN ({','.join(['%s'] * len(zones))})"
            params += list(zones)
    set_claimed = (
        f"SET status = %s, claim = %s, claim_expires_at = %s, attempts = {M}.attempts + 1, "
        "last_attempt_at = %s"
    )
    status = S.SUBMITTING if submitting else S.SENDING
    returning = f'RETURNING {M}.id, "to", sender, text, attempts, concat_ref, parts_count'
    if is_postgres():
        # A materialised CTE: PostgreSQL may run a LIMIT sub-select inside `id IN (…)` more than
        # once and so claim more rows than asked; the CTE picks (and locks) the rows once.
        sql = (
            f"WITH picked AS MATERIALIZED (SELECT id FROM {M} WHERE {where} ORDER BY id "
            f"LIMIT %s FOR UPDATE SKIP LOCKED) UPDATE {M} {set_claimed} FROM picked "
            f"WHERE {M}.id = picked.id AND {M}.status = %s {returning}"
        )
        args = [*params, limit, status, token, now + timedelta(seconds=lease), now, S.QUEUED]
    else:
        sql = (
            f"UPDATE {M} {set_claimed} WHERE status = %s AND id IN "
            f"(SELECT id FROM {M} WHERE {where} ORDER BY id LIMIT %s) {returning}"
        )
        args = [status, token, now + timedelta(seconds=lease), now, S.QUEUED, *params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        rows = [Claimed(*row) for row in cursor.fetchall()]
    rows.sort(key=lambda row: row.id)
    return token, _accepted_parts(_drop_opted_out(rows, now))


def _drop_opted_out(rows: list[Claimed], now: datetime) -> list[Claimed]:
    """A number put on the opt-out list after the import never gets the message: fail it."""
    numbers = {row.to for row in rows}
    blocked = set(OptOut.objects.filter(number__in=numbers).values_list("number", flat=True))
    if not blocked:
        return rows
    stopped = [row.id for row in rows if row.to in blocked]
    Message.objects.filter(pk__in=stopped).update(
        status=S.FAILED,
        error_code="opted_out",
        error_reason=_("The number is on the opt-out list."),
        finished_at=now,
        claim_expires_at=None,
    )
    return [row for row in rows if row.to not in blocked]


def _accepted_parts(rows: list[Claimed]) -> list[Claimed]:
    """Parts the SMSC accepted on an earlier attempt of a long message: only the others go."""
    # Any long message may have some (a retry, or a failed one queued again by the user).
    again = {row.id: row for row in rows if row.parts_count > 1}
    if again:
        found = MessagePart.objects.filter(message_id__in=list(again)).values_list(
            "message_id", "index", "provider_id"
        )
        for message_id, index, provider_id in found:
            again[message_id].accepted[index] = provider_id
    return rows


def unmark(ids: list[int]) -> None:
    """Claimed into submitting, but not handed to the transport (the job stopped): back to
    sending, which release() gives back."""
    if ids:
        clause, params = in_ids(ids)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {M} SET status = %s WHERE status = %s AND {clause}",
                [S.SENDING, S.SUBMITTING, *params],
            )


def renew(token: str, lease: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {M} SET claim_expires_at = %s WHERE claim = %s AND status IN (%s, %s)",
            [timezone.now() + timedelta(seconds=lease), token, S.SENDING, S.SUBMITTING],
        )


def release(token: str, *, cancelled: bool = False) -> int:
    """Give back the claimed messages that never went on the wire (status still sending): queued
    again without counting the attempt, or cancelled when the job was."""
    with connection.cursor() as cursor:
        if cancelled:
            cursor.execute(
                f"UPDATE {M} SET status = %s, finished_at = %s, claim_expires_at = NULL "
                "WHERE claim = %s AND status = %s",
                [S.CANCELLED, timezone.now(), token, S.SENDING],
            )
        else:
            cursor.execute(
                f"UPDATE {M} SET status = %s, claim_expires_at = NULL, attempts = attempts - 1 "
                "WHERE claim = %s AND status = %s",
                [S.QUEUED, token, S.SENDING],
            )
        return cursor.rowcount


def requeue_uncounted(ids: list[int]) -> None:
    """Messages that failed only because the gateway was down: queued again, attempt not
    counted (the job pauses instead of burning their retries)."""
    if not ids:
        return
    clause, params = in_ids(ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {M} SET status = %s, claim_expires_at = NULL, attempts = attempts - 1 "
            f"WHERE {clause}",
            [S.QUEUED, *params],
        )


def has_due(job_id: int, zones: list[str] | None) -> bool:
    """Whether the job has a message a worker could claim now."""
    queryset = Message.objects.filter(job_id=job_id, status=S.QUEUED)
    if zones is not None:
        queryset = queryset.filter(time_zone__in=zones)
    return queryset.exists()


def job_zones(job_id: int) -> list[str]:
    """The distinct recipient zones of the job's waiting messages (a job has few)."""
    return list(
        Message.objects.filter(job_id=job_id, status=S.QUEUED)
        .order_by()
        .values_list("time_zone", flat=True)
        .distinct()
    )
