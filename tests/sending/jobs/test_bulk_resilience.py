"""A running job on a worker process: a Test SMS on the same profile does not wait behind it,
and a Redis restart in the middle does not stop it."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from sending import services
from sending.models import BulkJob, Message
from smsportal import embedded_redis, redis_client
from tests.sending.jobs.bulk_support import counts, make_job, settle, tick, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.peer]


def test_a_test_sms_is_sent_at_once_while_a_job_runs_on_its_profile(
    start_smsc, smpp_profile, workers
):
    peer = start_smsc("netsmpp")
    profile = smpp_profile(peer, processing_mode="async", throughput=1000)
    job = make_job(profile, 5000)
    workers(1)  # the bulk queue only: the job's sender itself must send the Test SMS
    assert wait_until(lambda: len(peer.accepted()) > 500, 30, tick=tick)

    message = services.create_message(profile, "+33612345678", text="Test while bulk")
    queued_at = time.monotonic()
    assert wait_until(
        lambda: Message.objects.filter(pk=message.pk, status="sent").exists(), 10, step=0.05
    )
    waited = time.monotonic() - queued_at

    assert waited < 3, waited  # about a second: it did not wait for the job
    assert settle(job).status == BulkJob.Status.FINISHED
    submits = peer.accepted()
    test_at = next(i for i, r in enumerate(submits) if r["destination_addr"] == "33612345678")
    assert len(submits) == 5001 and test_at < 5001 - 2000  # thousands of the job came after


def test_a_job_finishes_when_redis_restarts_in_the_middle(
    start_smsc, smpp_profile, workers, settings_override
):
    peer = start_smsc("netsmpp")
    profile = smpp_profile(peer, processing_mode="async", throughput=800)
    job = make_job(profile, 4000)
    workers(1)
    assert wait_until(lambda: len(peer.accepted()) > 800, 30, tick=tick)

    settings_override.restart()
    time.sleep(1.0)

    assert settle(job, timeout=90).status == BulkJob.Status.FINISHED
    assert counts(job) == {"sent": 4000}
    arrived = Counter(r["destination_addr"] for r in peer.accepted())
    assert len(arrived) == 4000 and set(arrived.values()) == {1}


class _OwnRedis:
    """An embedded Redis of this test alone, which it may stop and start again."""

    def __init__(self, path):
        self.path = path
        self.process = embedded_redis.start(path)

    def restart(self):
        self.process.terminate()
        self.process.wait(10)
        time.sleep(0.5)
        self.process = embedded_redis.start(self.path)

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        self.path.unlink(missing_ok=True)


@pytest.fixture
def settings_override(settings, redis_url):
    from smsportal.celery import app

    path = settings.VAR_DIR / f"redis-restart-{time.monotonic_ns()}.sock"
    own = _OwnRedis(path)
    previous = (settings.REDIS_URL, app.conf.broker_url)
    settings.REDIS_URL = f"redis+socket://{path}"
    _use_broker(app, settings.REDIS_URL)
    yield own
    settings.REDIS_URL = previous[0]
    _use_broker(app, previous[1])
    own.stop()
    redis_client._clients.clear()


def _use_broker(app, url: str) -> None:
    """Point this process's Celery app at another broker (its pools are made again)."""
    app.conf.broker_url = url
    # Not closed: the producer pool may still hold them; the test run ends soon enough.
    app._pool = None
    app.amqp._producer_pool = None
