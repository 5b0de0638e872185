"""Thin Celery wrappers: ids in, services and sending.jobs do the work (tests call those directly).

Bulk sender tasks go to their own queue ("bulk", CELERY_TASK_ROUTES) and run for minutes; every
other task (Test SMS, the dispatcher, the sweeper) stays on the default queue, which a worker that
runs no bulk task serves, so none of them waits behind a bulk job.
"""

from __future__ import annotations

from celery import shared_task

from sending import services
from sending.jobs import dispatcher, importer, runner, sweeper
from sending.models import Message


@shared_task(ignore_result=True)
def send_message(message_id: int) -> None:
    """Send one queued message; a transient failure leaves it retrying for the sweeper."""
    listen = 0.0
    kind = Message.objects.filter(pk=message_id).values_list("kind", flat=True).first()
    if kind == Message.Kind.TEST:
        # A Test SMS page is waiting for the receipt: keep the bind open a little while.
        listen = services.test_receipt_wait()
    services.send_message(message_id, listen=listen)


@shared_task(ignore_result=True)
def send_batch(message_ids: list[int]) -> None:
    """Send a few queued messages on one session per profile."""
    services.send_messages(message_ids)


@shared_task(bind=True, ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_job_slot(self, job_id: int, slot: int) -> str:
    """One sender of a running bulk job (the task id is its slot's owner token)."""
    return runner.run_slot(job_id, slot, self.request.id)


@shared_task(ignore_result=True, expires=5)
def dispatch_jobs() -> None:
    """Beat: start due jobs, keep senders on running ones."""
    dispatcher.dispatch(_enqueue_slot)


@shared_task(ignore_result=True, expires=5)
def sweep() -> None:
    """Beat: expired claims, due retries."""
    sweeper.sweep(send_message.delay)


def _enqueue_slot(job_id: int, slot: int, task_id: str) -> None:
    run_job_slot.apply_async((job_id, slot), task_id=task_id)


@shared_task(ignore_result=True)
def import_job(job_id: int) -> None:
    """Import a bulk job's recipient file (progress in the job's rows_read)."""
    importer.run_import(job_id)


def queue_test_message(
    profile, to: str, *, language: str = "", data: dict | None = None, user=None
):
    """Record a Test SMS and hand it to a worker once the transaction commits."""
    message = services.create_message(profile, to, language=language, data=data, user=user)
    if message.status == Message.Status.QUEUED:
        send_message.delay_on_commit(message.pk)
    return message


@shared_task(ignore_result=True)
def purge_unmatched_receipts() -> None:
    """Beat: drop unmatched receipts past their retention (the receiver also does, hourly)."""
    from sending.receipt_matching import purge_unmatched

    purge_unmatched()
