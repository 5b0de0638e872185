"""A task for the worker test only (`celery worker -I tests.sending.jobs.pool_tasks`): sends one
message through the worker process's session pool, as the bulk engine's tasks do."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="tests.pool_send")
def pool_send(profile_id: int, number: str) -> None:
    from profiles.models import SmsProfile
    from sending.jobs import session_pool
    from sending.transports.base import OutgoingMessage

    profile = SmsProfile.objects.get(pk=profile_id)
    with session_pool.checkout(profile) as transport:
        transport.send(OutgoingMessage(number, profile.sender, "hi"))
