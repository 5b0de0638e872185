"""What the job page shows while a job runs: counts per state, progress, current rate and ETA,
errors grouped by reason and the last messages. Plain functions over the job's Messages and
JobSeconds; the page and its progress.json call them."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Sum
from django.utils.translation import gettext as _

from profiles.choices import DeliveryReceipts
from sending.models import BulkJob, JobSecond, Message

S = Message.Status
# The order the page lists the states in: waiting, on the way, at the SMSC, and the outcomes.
STATE_ORDER = (
    S.QUEUED, S.SENDING, S.SUBMITTING, S.RETRYING, S.SENT, S.DELIVERED, S.POSSIBLY_SENT,
    S.UNDELIVERED, S.EXPIRED, S.REJECTED, S.FAILED, S.CANCELLED,
)  # fmt: skip
# Not handed to the SMSC yet: what the progress bar and the ETA still wait for.
PENDING = frozenset({S.QUEUED, S.SENDING, S.SUBMITTING, S.RETRYING})
# States whose messages carry an error worth grouping.
ERROR_STATES = (S.FAILED, S.RETRYING, S.REJECTED, S.UNDELIVERED, S.EXPIRED, S.POSSIBLY_SENT)
# The current rate is the mean over the last complete seconds (fewer right after the start).
RATE_WINDOW = 10
LAST_SHOWN = 20
ERRORS_SHOWN = 20


@dataclass(frozen=True)
class Rate:
    measured: float | None  # parts per second over the last seconds, None when not running
    cap: int  # profile.throughput; 0 = unlimited
    source: str  # "measured", "cap" or "" (no ETA possible)
    eta_seconds: int | None

    @property
    def used(self) -> float | None:
        return self.measured if self.source == "measured" else (self.cap or None)


def state_counts(job: BulkJob) -> dict[str, int]:
    """{state: messages} for the states the job's messages are in: one COUNT answered from the
    (job, status, id) index alone (summing parts_count too would read every row of the job)."""
    rows = Message.objects.filter(job=job).order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def remaining_parts(job: BulkJob, counts: dict[str, int]) -> int:
    """Parts still to send: the waiting messages times the job's mean parts per message from the
    import totals (no pass over the rows); summed exactly when the job has no totals."""
    pending = sum(counts.get(state, 0) for state in PENDING)
    messages, parts = (job.totals or {}).get("messages"), (job.totals or {}).get("parts")
    if not pending:
        return 0
    if messages and parts:
        return round(pending * parts / messages)
    waiting = Message.objects.filter(job=job, status__in=PENDING)
    return waiting.aggregate(parts=Sum("parts_count"))["parts"] or 0


def measured_rate(job: BulkJob, now: float | None = None) -> float | None:
    """Parts per second over the last RATE_WINDOW complete seconds of a running job (fewer when
    it started less than that ago); None when the job is not running or has not sent yet."""
    if job.status != BulkJob.Status.RUNNING:
        return None
    current = int(now if now is not None else time.time())
    seconds = JobSecond.objects.filter(job=job, second__lt=current)
    first = seconds.order_by("second").values_list("second", flat=True).first()
    if first is None:
        return None
    since = max(first, current - RATE_WINDOW)
    span = current - since
    total = seconds.filter(second__gte=since).aggregate(parts=Sum("parts_sent"))["parts"] or 0
    return total / span if span > 0 else None


def rate(job: BulkJob, remaining_parts: int, now: float | None = None) -> Rate:
    """The rate shown and the ETA: the measured rate while the job sends, else the profile's cap
    (a job that has not sent yet is expected to run at its cap); no ETA without either."""
    measured = measured_rate(job, now)
    cap = job.profile.throughput if job.profile_id else 0
    if measured:
        source, used = "measured", measured
    elif cap:
        source, used = "cap", float(cap)
    else:
        source, used = "", None
    eta = round(remaining_parts / used) if used and remaining_parts else None
    if remaining_parts == 0:
        eta = 0
    return Rate(measured=measured, cap=cap, source=source, eta_seconds=eta)


def format_duration(seconds: int | None) -> str:
    """H:MM:SS (or M:SS under an hour): the same in every language."""
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def grouped_errors(job: BulkJob, limit: int = ERRORS_SHOWN) -> list[dict]:
    """The job's errors grouped by (error code, reason), the most frequent first."""
    rows = (
        Message.objects.filter(job=job, status__in=ERROR_STATES)
        .exclude(error_code="", error_reason="")
        .order_by()
        .values("error_code", "error_reason")
        .annotate(count=Count("pk"))
        .order_by("-count", "error_code", "error_reason")
    )
    return list(rows[:limit])


def last_messages(job: BulkJob, counts: dict, limit: int = LAST_SHOWN) -> list[Message]:
    """The messages the job handled last. Workers claim in id order, so each state's highest
    ids (one short index range per state present) hold the latest; merged by last activity.
    Never a sort over the whole job."""
    candidates: list[Message] = []
    fields = (
        "pk", "row", "to", "status", "parts_count", "attempts", "error_code", "error_reason",
        "created_at", "last_attempt_at", "sent_at", "finished_at",
    )  # fmt: skip
    for state in STATE_ORDER:
        if state == S.QUEUED or not counts.get(state):
            continue
        rows = Message.objects.filter(job=job, status=state).only(*fields).order_by("-pk")
        candidates.extend(rows[:limit])

    def activity(message: Message):
        moment = message.finished_at or message.sent_at or message.last_attempt_at
        return (moment or message.created_at, message.pk)

    return sorted(candidates, key=activity, reverse=True)[:limit]


def progress(job: BulkJob, now: float | None = None, counts: dict | None = None) -> dict:
    """Everything the page's live part needs, as plain data (progress.json sends it)."""
    counts = state_counts(job) if counts is None else counts
    total = sum(counts.values())
    pending = sum(counts.get(state, 0) for state in PENDING)
    remaining = remaining_parts(job, counts)
    done = total - pending
    current = rate(job, remaining, now)
    finished = job.status in (BulkJob.Status.FINISHED, BulkJob.Status.CANCELLED)
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": finished,
        "total": total,
        "done": done,
        "pending": pending,
        "percent": _percent(done, total),
        "remaining_parts": remaining,
        "counts": [
            {"state": state.value, "label": state.label, "messages": counts.get(state, 0)}
            for state in STATE_ORDER
        ],
        "rate": {
            "measured": round(current.measured, 1) if current.measured is not None else None,
            "cap": current.cap,
            "source": current.source,
            "eta_seconds": current.eta_seconds,
            "eta": format_duration(current.eta_seconds),
            "text": _average_text(job) if finished else _rate_text(current),
        },
        "paused": job.status == BulkJob.Status.PAUSED,
        "pause_reason": job.pause_reason if job.status == BulkJob.Status.PAUSED else "",
        "auto_paused": job.auto_paused and job.status == BulkJob.Status.PAUSED,
        # Finished, but receipts are still to come for some: the page keeps polling a while.
        "awaiting_receipts": finished
        and bool(counts.get(Message.Status.SENT))
        and job.profile.delivery_receipts == DeliveryReceipts.FINAL,
    }


def _percent(done: int, total: int) -> int:
    if not total:
        return 0
    # 100 only when nothing waits: 999,999 of 1,000,000 reads 99 %, not 100 %.
    return 100 if done == total else min(99, int(100 * done / total))


def _rate_text(current: Rate) -> str:
    if current.source == "measured":
        return _("%(rate)s parts/s (measured over the last seconds)") % {
            "rate": f"{current.measured:.1f}"
        }
    if current.source == "cap":
        return _("%(rate)s parts/s (the profile's throughput cap)") % {"rate": current.cap}
    return _("no cap, not sending yet")


def average_rate(job: BulkJob) -> tuple[float, int] | None:
    """(mean parts per second, seconds) from the job's first counted second to its last."""
    row = JobSecond.objects.filter(job=job).aggregate(
        parts=Sum("parts_sent"), first=Min("second"), last=Max("second")
    )
    if row["first"] is None:
        return None
    span = row["last"] - row["first"] + 1
    return row["parts"] / span, span


def _average_text(job: BulkJob) -> str:
    average = average_rate(job)
    if average is None:
        return _("nothing was sent")
    return _("%(rate)s parts/s on average over %(duration)s") % {
        "rate": f"{average[0]:.1f}",
        "duration": format_duration(average[1]),
    }
