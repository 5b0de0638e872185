"""A real Celery worker on the embedded Redis sends a queued Test SMS exactly once, even when the
task is delivered twice."""

from __future__ import annotations

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from sending import services, tasks
from sending.jobs import sweeper
from sending.models import Message
from smsportal.celery import app as celery_app
from tests.peers.http_gateway import Reply


@pytest.fixture
def worker(redis_url):
    celery_app.conf.broker_url = redis_url
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING"
    ) as running:
        yield running


@pytest.fixture
def finished_tasks():
    """Ids of the messages each finished send_message task was given."""
    done: list[int] = []
    changed = threading.Condition()

    def on_postrun(sender=None, args=None, **kwargs):
        if sender is tasks.send_message or getattr(sender, "name", "") == tasks.send_message.name:
            with changed:
                done.append(args[0])
                changed.notify_all()

    task_postrun.connect(on_postrun, weak=False)

    def wait_for(message_id: int, count: int, timeout: float = 20) -> list[int]:
        """Wait until `count` tasks for this message have finished; return those (tasks left
        in the queue by other tests are ignored)."""
        with changed:
            changed.wait_for(lambda: done.count(message_id) >= count, timeout)
            return [pk for pk in done if pk == message_id]

    yield wait_for
    task_postrun.disconnect(on_postrun)


@pytest.mark.django_db(transaction=True)
def test_it_sends_a_test_sms_once_when_the_task_is_delivered_twice(
    web_url_profile, gateway, worker, finished_tasks
):
    profile = web_url_profile(gateway, message="Exactly once")
    message = tasks.queue_test_message(profile, "+33612345678")
    tasks.send_message.delay(message.pk)  # the broker delivers it a second time

    assert finished_tasks(message.pk, 2) == [message.pk, message.pk]
    time.sleep(0.2)  # anything still in flight would reach the gateway now

    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 1
    assert [p.provider_id for p in message.parts.all()] == ["3e9"]
    assert gateway.texts() == ["Exactly once"]


@pytest.mark.django_db(transaction=True)
def test_it_retries_a_transient_failure_through_the_database_and_the_sweeper(
    web_url_profile, gateway, worker, finished_tasks
):
    gateway.script(Reply(503, "busy"))
    profile = web_url_profile(gateway, message="Again", retry_map={"503": 0})
    message = tasks.queue_test_message(profile, "+33612345678")
    assert finished_tasks(message.pk, 1) == [message.pk]
    message.refresh_from_db()
    assert message.status == Message.Status.RETRYING  # waiting in the database, not in Redis

    assert sweeper.sweep(tasks.send_message.delay)["retry_single"] == 1
    assert finished_tasks(message.pk, 2) == [message.pk, message.pk]

    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 2
    assert gateway.texts() == ["Again", "Again"]


@pytest.mark.peer
@pytest.mark.django_db(transaction=True)
def test_it_catches_the_receipt_of_a_test_sms_on_a_transceiver_bind(
    start_smsc, smpp_profile, worker, finished_tasks, settings
):
    settings.SMSPORTAL_TEST_RECEIPT_WAIT = 10
    peer = start_smsc("netsmpp")
    profile = smpp_profile(peer, bind_mode="transceiver", message="Hi {{ customer.first_name }}")
    message = tasks.queue_test_message(profile, "+33612345678", data={"customer.first_name": "Ada"})
    assert finished_tasks(message.pk, 1) == [message.pk]
    submits = peer.events("submit_sm")

    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    part = message.parts.get()
    assert (part.provider_id, part.receipt_status) == (submits[0]["message_id"], "DELIVRD")
    assert len(submits) == 1 and bytes.fromhex(submits[0]["short_message"]) == b"Hi Ada"


@pytest.mark.django_db(transaction=True)
def test_it_sends_a_batch_once_when_it_is_delivered_twice(web_url_profile, gateway, worker):
    done = threading.Event()
    runs: list[str] = []

    def on_postrun(sender=None, task_id=None, **kwargs):
        if getattr(sender, "name", "") == tasks.send_batch.name:
            runs.append(task_id)
            if len(runs) == 2:
                done.set()

    task_postrun.connect(on_postrun, weak=False)
    try:
        profile = web_url_profile(gateway, concurrency=4)
        ids = [
            services.create_message(profile, "+33612345678", text=f"Bulk {n}").pk for n in range(10)
        ]
        tasks.send_batch.delay(ids)
        tasks.send_batch.delay(ids)
        assert done.wait(20)
    finally:
        task_postrun.disconnect(on_postrun)

    assert sorted(gateway.texts()) == sorted(f"Bulk {n}" for n in range(10))
    assert set(Message.objects.values_list("status", "attempts")) == {("sent", 1)}
