"""Building jobs that are (or were) running, straight in the database: the job page reads what
the engine writes (Message states, JobSecond rows), so its tests write the same rows."""

from __future__ import annotations

import datetime
import time

from django.utils import timezone

from sending.models import BulkJob, JobSecond, Message, MessagePart


def make_job(profile, states: dict[str, int] | None = None, parts: int = 1, **fields) -> BulkJob:
    """A job with `states` = {state: how many messages}, rows numbered from 2 (after a header)."""
    fields.setdefault("name", "Spring reminder")
    fields.setdefault("status", BulkJob.Status.RUNNING)
    job = BulkJob.objects.create(profile=profile, **fields)
    add_messages(job, states or {})
    return job


def add_messages(job: BulkJob, states: dict[str, int], parts: int = 1, **fields) -> list[Message]:
    start = job.messages.count()
    now = timezone.now()
    messages = []
    for state, count in states.items():
        for _ in range(count):
            row = start + len(messages) + 2
            sent = now if state not in ("queued", "sending") else None
            values = {
                "job": job, "profile": job.profile, "kind": Message.Kind.BULK, "row": row,
                "to": f"+4915112{row:06d}", "text": f"Hello {row}", "language": "en",
                "encoding": "gsm7", "parts_count": parts, "status": state, "sent_at": sent,
                "last_attempt_at": sent,
            }  # fmt: skip
            messages.append(Message(**{**values, **fields}))
    return Message.objects.bulk_create(messages)


def add_parts(message: Message, *provider_ids: str) -> None:
    MessagePart.objects.bulk_create(
        MessagePart(message=message, index=index, provider_id=provider_id)
        for index, provider_id in enumerate(provider_ids, start=1)
    )


def add_seconds(job: BulkJob, per_second: dict[int, int], delivered: dict[int, int] | None = None):
    """JobSecond rows: {unix second: parts sent}, and optionally deliveries per second."""
    delivered = delivered or {}
    JobSecond.objects.bulk_create(
        JobSecond(
            job=job,
            second=second,
            parts_sent=parts,
            messages_sent=parts,
            delivered=delivered.get(second, 0),
        )  # fmt: skip
        for second, parts in sorted({**dict.fromkeys(delivered, 0), **per_second}.items())
    )


def now_second() -> int:
    return int(time.time())


def aware(second: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(second, tz=datetime.UTC)
