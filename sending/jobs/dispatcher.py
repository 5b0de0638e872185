"""The dispatcher (Celery beat, every second): starts due jobs and keeps senders on running ones.

A scheduled job whose start has come runs; a job that paused itself resumes at its resume_at; a
running job with messages that may be sent now (send window) gets one sender task per slot
(slots.count: the profile's simultaneous binds), each offered once through its Redis slot key so
ticks never pile tasks up; a running job with nothing left is finished.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from sending.models import BulkJob

from . import claim, control, send_window, slots

J = BulkJob.Status


def dispatch(enqueue: Callable[[int, int, str], None]) -> dict[str, int]:
    """One tick; `enqueue(job_id, slot, task_id)` queues a sender task."""
    now = timezone.now()
    started = BulkJob.objects.filter(status=J.SCHEDULED, scheduled_at__lte=now).update(
        status=J.RUNNING, started_at=now
    )
    resumed = BulkJob.objects.filter(
        status=J.PAUSED, auto_paused=True, resume_at__isnull=False, resume_at__lte=now
    ).update(
        status=J.RUNNING, started_at=control.started_by(now),
        pause_reason="", paused_at=None, auto_paused=False, resume_at=None,
    )  # fmt: skip
    offered = finished = 0
    for job in BulkJob.objects.filter(status=J.RUNNING).select_related("profile"):
        zones = None
        if job.has_window:
            zones = send_window.open_zones(job, claim.job_zones(job.pk), now)
        if not claim.has_due(job.pk, zones):
            finished += control.finish_if_done(job.pk)
            continue
        for slot in range(slots.count(job.profile)):
            task_id = slots.offer(job.pk, slot)
            if task_id is not None:
                enqueue(job.pk, slot, task_id)
                offered += 1
    return {"started": started, "resumed": resumed, "offered": offered, "finished": finished}
