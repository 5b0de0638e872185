"""What a job will send, before it starts: totals of recipients, messages and parts, split by
encoding and by language, the longest message, and the first messages rendered."""

from __future__ import annotations

from django.db.models import Count, Max, Sum

from sending.models import BulkJob, Message

PREVIEW_SIZE = 20
HIGHEST_ROWS = 10


def compute(job: BulkJob) -> dict:
    """Aggregates over the job's messages (stored on the job at the end of the import)."""
    messages = Message.objects.filter(job=job)
    overall = messages.aggregate(
        messages=Count("pk"), parts=Sum("parts_count"), highest=Max("parts_count")
    )
    highest = overall["highest"] or 0

    def split(field: str) -> list[dict]:
        rows = messages.values(field).annotate(messages=Count("pk"), parts=Sum("parts_count"))
        return [
            {"key": row[field], "messages": row["messages"], "parts": row["parts"] or 0}
            for row in rows.order_by(field)
        ]

    longest = messages.filter(parts_count=highest) if highest else messages.none()
    return {
        "recipients": messages.values("to").distinct().count() if job.keep_duplicates else None,
        "messages": overall["messages"],
        "parts": overall["parts"] or 0,
        "by_encoding": split("encoding"),
        "by_language": split("language"),
        "highest_parts": highest,
        "highest_count": longest.count(),
        "highest_rows": list(longest.order_by("row").values_list("row", flat=True)[:HIGHEST_ROWS]),
    }


def recipients(summary: dict) -> int:
    value = summary.get("recipients")
    return summary.get("messages", 0) if value is None else value


def preview(job: BulkJob, size: int = PREVIEW_SIZE):
    """The first messages in file order, as they will be sent."""
    return Message.objects.filter(job=job).order_by("row", "pk")[:size]
