"""Thin Celery wrappers: ids in, services do the work (tests call the services directly)."""

from __future__ import annotations

from celery import shared_task

from sending import services
from sending.jobs import importer
from sending.models import Message


@shared_task(ignore_result=True)
def send_message(message_id: int) -> None:
    """Send one queued message; a transient failure schedules the next attempt."""
    listen = 0.0
    kind = Message.objects.filter(pk=message_id).values_list("kind", flat=True).first()
    if kind == Message.Kind.TEST:
        # A Test SMS page is waiting for the receipt: keep the bind open a little while.
        listen = services.test_receipt_wait()
    message = services.send_message(message_id, listen=listen)
    if message is not None:
        _schedule_retry(message)


@shared_task(ignore_result=True)
def send_batch(message_ids: list[int]) -> None:
    """Send many queued messages on one session per profile (bulk jobs)."""
    for message in services.send_messages(message_ids):
        _schedule_retry(message)


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


def _schedule_retry(message: Message) -> None:
    if message.status == Message.Status.QUEUED:
        send_message.apply_async((message.pk,), countdown=services.seconds_until_retry(message))


@shared_task(ignore_result=True)
def purge_unmatched_receipts() -> None:
    """Drop unmatched receipts past their retention (the receiver also runs this hourly)."""
    from sending.receipt_matching import purge_unmatched

    purge_unmatched()
