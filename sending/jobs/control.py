"""What a user (or the engine) does to a job: pause, resume, cancel, retry failed, clone, finish.

Plain functions over conditional UPDATEs, so two clicks or a click racing the engine change a job
once. The senders read the job's state at least every half second: pause and cancel stop the
sending within a second; what is already at the SMSC stays recorded.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from sending.models import BulkJob, Message

J = BulkJob.Status
S = Message.Status
# Messages a job still has to deal with; a job with none of these is finished.
OPEN = (S.QUEUED, S.SENDING, S.SUBMITTING, S.RETRYING)


def started_by(now):
    """started_at for a job that runs from `now`: kept when it ran before. A job paused before
    the dispatcher's first tick never had one; whatever makes it run again sets it."""
    return Coalesce(F("started_at"), Value(now, output_field=DateTimeField()))


def pause(job_id: int, *, reason: str = "", auto: bool = False) -> bool:
    """Pause a running or scheduled job. `auto`: the engine paused it (the gateway is away); it
    resumes by itself after the profile's reconnect delay when SMSPORTAL_BULK_AUTO_RESUME is on."""
    now = timezone.now()
    resume_at = None
    if auto and settings.SMSPORTAL_BULK_AUTO_RESUME:
        job = BulkJob.objects.select_related("profile").get(pk=job_id)
        resume_at = now + timedelta(seconds=max(1, job.profile.reconnect_delay))
    return bool(
        BulkJob.objects.filter(pk=job_id, status__in=(J.RUNNING, J.SCHEDULED)).update(
            status=J.PAUSED,
            paused_at=now,
            pause_reason=reason,
            auto_paused=auto,
            resume_at=resume_at,
        )  # fmt: skip
    )


def resume(job_id: int) -> bool:
    """A paused job runs again (or waits for its scheduled start when that is still ahead)."""
    job = BulkJob.objects.filter(pk=job_id, status=J.PAUSED).first()
    if job is None:
        return False
    now = timezone.now()
    ahead = job.started_at is None and job.scheduled_at and job.scheduled_at > now
    runs = (
        {"status": J.SCHEDULED} if ahead else {"status": J.RUNNING, "started_at": started_by(now)}
    )
    return bool(
        BulkJob.objects.filter(pk=job_id, status=J.PAUSED).update(
            pause_reason="", paused_at=None, auto_paused=False, resume_at=None, **runs
        )
    )


def cancel(job_id: int) -> bool:
    """Stop a job for good: its waiting messages become cancelled; sent ones stay as they are."""
    now = timezone.now()
    with transaction.atomic():
        changed = BulkJob.objects.filter(
            pk=job_id, status__in=(J.READY, J.SCHEDULED, J.RUNNING, J.PAUSED)
        ).update(status=J.CANCELLED, cancelled_at=now)
        if changed:
            Message.objects.filter(job_id=job_id, status__in=(S.QUEUED, S.RETRYING)).update(
                status=S.CANCELLED, finished_at=now, next_attempt_at=None
            )
    return bool(changed)


def retry_failed(job_id: int, *, error_code: str | None = None) -> int:
    """Queue the job's failed messages again (all, or those that failed with `error_code`), with
    their attempts counted afresh; a finished job runs again. Returns how many."""
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=job_id)
        if job.status not in (J.RUNNING, J.PAUSED, J.FINISHED):
            return 0
        failed = Message.objects.filter(job_id=job_id, status=S.FAILED)
        if error_code is not None:
            failed = failed.filter(error_code=error_code)
        failed = failed.exclude(error_code="opted_out")
        count = failed.update(
            status=S.QUEUED, attempts=0, error_code="", error_reason="", finished_at=None,
            next_attempt_at=None,
        )  # fmt: skip
        if count and job.status == J.FINISHED:
            BulkJob.objects.filter(pk=job_id).update(status=J.RUNNING, finished_at=None)
    return count


def resend_possibly_sent(job_id: int) -> int:
    """The user decided: send again the messages that may have reached the gateway (flagged:
    they may arrive twice)."""
    with transaction.atomic():
        count = Message.objects.filter(job_id=job_id, status=S.POSSIBLY_SENT).update(
            status=S.QUEUED, possibly_duplicate=True, next_attempt_at=None
        )
        if count:
            BulkJob.objects.filter(pk=job_id, status=J.FINISHED).update(
                status=J.RUNNING, finished_at=None
            )
    return count


def clone(job_id: int, *, user=None) -> BulkJob:
    """A new job, ready to start, with the same profile, settings and recipients (queued)."""
    job = BulkJob.objects.get(pk=job_id)
    copy = BulkJob.objects.get(pk=job_id)
    copy.pk = None
    copy.name = f"{job.name} (copy)"[:200]
    copy.status = J.READY
    copy.created_by = user or job.created_by
    copy.scheduled_at = copy.started_at = copy.finished_at = copy.cancelled_at = None
    copy.paused_at = copy.resume_at = None
    copy.pause_reason, copy.auto_paused = "", False
    copy.save()
    m = Message._meta.db_table
    columns = (
        'profile_id, kind, "to", sender, text, language, encoding, parts_count, row, data, '
        "time_zone, created_by_id"
    )
    now = timezone.now()
    with connection.cursor() as cursor:
        # One INSERT … SELECT: a job may have a million recipients.
        cursor.execute(
            f"INSERT INTO {m} (job_id, status, attempts, claim, error_code, error_reason, "
            f"possibly_duplicate, created_at, {columns}) "
            f"SELECT %s, %s, 0, '', '', '', %s, %s, {columns} FROM {m} WHERE job_id = %s "
            "ORDER BY id",
            [copy.pk, S.QUEUED, False, now, job.pk],
        )
    return copy


def finish_if_done(job_id: int) -> bool:
    """Mark a running job finished when none of its messages is left to send."""
    pending = Message.objects.filter(job_id=OuterRef("pk"), status__in=OPEN)
    return bool(
        BulkJob.objects.filter(pk=job_id, status=J.RUNNING)
        .filter(~Exists(pending))
        .update(status=J.FINISHED, finished_at=timezone.now())
    )
