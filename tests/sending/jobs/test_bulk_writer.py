"""Outcomes written in a thread on a second connection while the sender keeps the window busy."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.db import IntegrityError, connection, transaction

from sending.jobs import claim, runner, slots
from sending.jobs.record import Batch
from sending.jobs.writer import Claimer, Writer
from sending.models import HandedChunk, JobSecond, Message
from tests.sending.jobs.bulk_support import counts, make_job, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def _batch(job_id: int, message_id: int) -> Batch:
    # One failed message and its second of the chart: enough for a write to commit or fail.
    error = ("failed", "x", "x", None, None, False, message_id)
    return Batch(job_id, [], [], [error], [], {int(time.time()): [0, 0, 1]}, [])


def test_an_error_writing_outcomes_is_raised_in_the_sending_thread(make_profile):
    job = make_job(make_profile(), 1)
    message = job.messages.get()
    writer = Writer()
    try:
        writer.hand_over(_batch(job.pk + 1000, message.pk), ["k1"])  # no such job: the commit fails
        with pytest.raises(IntegrityError):
            writer.wait()
        assert writer.committed() == []  # its parts were never written: no receipt matches them

        writer.hand_over(_batch(job.pk, message.pk), ["k2"])
        writer.wait()
        assert writer.committed() == ["k2"]
        assert JobSecond.objects.get(job=job).failed == 1
    finally:
        writer.close()


def test_the_next_chunk_is_claimed_on_the_claimers_connection_and_its_error_reaches_the_sender(
    make_profile,
):
    job = make_job(make_profile(), 3)
    threads = []

    def claim_two():
        threads.append(threading.current_thread().name)
        return claim.claim_batch(job.pk, 2, 60)

    claimer = Claimer(claim_two)
    try:
        claimer.claim_ahead()
        token, rows = claimer.take()
        assert len(rows) == 2 and threads[0].startswith("bulk-claimer")
        claimer.claim_ahead()
        assert [row.id for row in claimer.give_up()] == [
            pk for pk, in Message.objects.filter(job=job, status="sending")
            .exclude(claim=token).values_list("pk")
        ]  # fmt: skip

        failing = Claimer(lambda: 1 / 0)
        failing.claim_ahead()
        with pytest.raises(ZeroDivisionError):
            failing.take()
        failing.claim_ahead()
        assert failing.give_up() == []  # nothing was claimed; the error is logged
        failing.close()
    finally:
        claimer.close()


@pytest.mark.peer
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer: the sender waits as well"
)
def test_the_sender_keeps_sending_while_outcomes_are_written_within_two_chunks_and_a_window(
    start_smsc, smpp_profile, redis_url, settings
):
    settings.SMSPORTAL_BULK_CHUNK = 50
    peer = start_smsc("netsmpp")
    profile = smpp_profile(peer, processing_mode="async", window_size=20)
    job = make_job(profile, 1000)
    results = []

    def send():
        try:
            results.append(runner.run_slot(job.pk, 0, slots.offer(job.pk, 0), seconds=60))
        finally:
            connection.close()

    sender = threading.Thread(target=send)
    with transaction.atomic():
        # Every write of outcomes waits for this lock (the per-second row of the chart).
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {JobSecond._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        sender.start()
        assert wait_until(lambda: len(peer.accepted()) > 50 + 20, 20)  # past the first write
        time.sleep(1)  # and no further than the bound while the write waits
        accepted = len(peer.accepted())
        assert accepted <= 2 * 50 + 20
        # Everything at the SMSC without a written outcome is in a chunk marked handed: a crash
        # now would leave it possibly sent, never queued again.
        handed = HandedChunk.objects.values("token")
        at_risk = Message.objects.filter(job=job, status="sending", claim__in=handed).count()
        assert set(counts(job)) == {"queued", "sending"} and at_risk >= accepted
    sender.join(60)
    assert results == ["finished"]
    assert counts(job) == {"sent": 1000}
    destinations = Counter(r["destination_addr"] for r in peer.accepted())
    assert len(destinations) == 1000 and set(destinations.values()) == {1}
    assert Message.objects.filter(job=job, parts__isnull=True).count() == 0
