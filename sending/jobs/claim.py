"""Claiming a bulk job's messages in batches, atomically, so two workers never send one twice.

PostgreSQL: one UPDATE over `SELECT … ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED` (two workers
claim different rows without waiting on each other). SQLite: the same conditional UPDATE without
row locks (SQLite has one writer at a time; the sub-select runs inside the writer's transaction).
Both set status sending, a claim token and a lease (claim_expires_at) the sweeper honours, and
count the attempt. A chunk is claimed ahead (by the claimer thread, while the one before is
sent) and marked handed, one HandedChunk row, just before its first submit_sm. Raw SQL: this is
the hot path (bulk-notes: the ORM is the bottleneck).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from sending.models import HandedChunk, Message, MessagePart, OptOut

M = Message._meta.db_table
H = HandedChunk._meta.db_table
OPT_OUT = OptOut._meta.db_table
S = Message.Status


@dataclass(slots=True)
class Claimed:
    """One claimed message, as the runner needs it."""

    id: int
    claim: str
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
    return _in("id", ids)


def _in(column: str, values) -> tuple[str, list]:
    values = list(values)
    if is_postgres():
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({','.join(['%s'] * len(values))})", values


def claim_batch(
    job_id: int, limit: int, lease: float, zones: list[str] | None = None
) -> tuple[str, list[Claimed]]:
    """Claim up to `limit` queued messages of the job (only those whose time zone is in `zones`
    when given: the send window) and return (claim token, the rows in id order)."""
    token = uuid.uuid4().hex
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
    # Whether the number joined the opt-out list after the import, in the same statement.
    returning = (
        f'RETURNING {M}.id, claim, "to", sender, text, attempts, concat_ref, parts_count, '
        f'EXISTS (SELECT 1 FROM {OPT_OUT} WHERE {OPT_OUT}.number = {M}."to")'
    )
    if is_postgres():
        # A materialised CTE: PostgreSQL may run a LIMIT sub-select inside `id IN (…)` more than
        # once and so claim more rows than asked; the CTE picks (and locks) the rows once.
        sql = (
            f"WITH picked AS MATERIALIZED (SELECT id FROM {M} WHERE {where} ORDER BY id "
            f"LIMIT %s FOR UPDATE SKIP LOCKED) UPDATE {M} {set_claimed} FROM picked "
            f"WHERE {M}.id = picked.id AND {M}.status = %s {returning}"
        )
        args = [*params, limit, S.SENDING, token, now + timedelta(seconds=lease), now, S.QUEUED]
    else:
        sql = (
            f"UPDATE {M} {set_claimed} WHERE status = %s AND id IN "
            f"(SELECT id FROM {M} WHERE {where} ORDER BY id LIMIT %s) {returning}"
        )
        args = [S.SENDING, token, now + timedelta(seconds=lease), now, S.QUEUED, *params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        found = cursor.fetchall()
    rows = [Claimed(*row[:-1]) for row in found if not row[-1]]
    rows.sort(key=lambda row: row.id)
    _fail_opted_out([row[0] for row in found if row[-1]], now)
    return token, _accepted_parts(rows)


def _fail_opted_out(ids: list[int], now: datetime) -> None:
    """A number put on the opt-out list after the import never gets the message."""
    if not ids:
        return
    Message.objects.filter(pk__in=ids).update(
        status=S.FAILED,
        error_code="opted_out",
        error_reason=_("The number is on the opt-out list."),
        finished_at=now,
        claim_expires_at=None,
    )


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


def hand_over(rows: list[Claimed], margin: float) -> bool:
    """Mark the chunk (`rows`, one claim) handed to the transport: its submit_sm are written next.
    False when the claim is no longer ours to send: its lease ends within `margin` seconds or
    ended (the sweeper may have queued its messages for another sender). The claim's messages
    share one lease (claimed and renewed together), so its first message tells."""
    now, token = timezone.now(), rows[0].claim
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {H} (token, handed_at) SELECT %s, %s WHERE EXISTS (SELECT 1 FROM {M} "
            "WHERE id = %s AND claim = %s AND status = %s AND claim_expires_at > %s)",
            [token, now, rows[0].id, token, S.SENDING, now + timedelta(seconds=margin)],
        )
        return cursor.rowcount == 1


def renew(tokens: list[str], lease: float) -> None:
    if not tokens:
        return
    clause, params = _in("claim", tokens)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {M} SET claim_expires_at = %s WHERE {clause} AND status = %s",
            [timezone.now() + timedelta(seconds=lease), *params, S.SENDING],
        )


def release(rows: list[Claimed], *, cancelled: bool = False) -> int:
    """Give back claimed messages that were never handed to the transport (still sending under
    the same claim): queued again without counting the attempt, or cancelled when the job was."""
    if not rows:
        return 0
    clause, params = in_ids(row.id for row in rows)
    claims, claim_params = _in("claim", {row.claim for row in rows})
    where = f"{clause} AND {claims} AND status = %s"
    with connection.cursor() as cursor:
        if cancelled:
            cursor.execute(
                f"UPDATE {M} SET status = %s, finished_at = %s, claim_expires_at = NULL "
                f"WHERE {where}",
                [S.CANCELLED, timezone.now(), *params, *claim_params, S.SENDING],
            )
        else:
            cursor.execute(
                f"UPDATE {M} SET status = %s, claim_expires_at = NULL, attempts = attempts - 1 "
                f"WHERE {where}",
                [S.QUEUED, *params, *claim_params, S.SENDING],
            )
        return cursor.rowcount


def finished(tokens: list[str], cursor) -> None:
    """The chunks' last outcomes are written (in the same transaction): no longer handed."""
    clause, params = _in("token", tokens)
    cursor.execute(f"DELETE FROM {H} WHERE {clause}", params)


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
