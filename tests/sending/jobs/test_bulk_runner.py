"""The sender run in the test process (no worker): claim, send, record, finish, window, opt-out."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from sending.jobs import claim, runner, slots
from sending.models import BulkJob, JobSecond, Message, OptOut
from tests.sending.jobs.bulk_support import counts, make_job

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.peer]


def _run(job, seconds=30):
    task_id = slots.offer(job.pk, 0)
    assert task_id is not None
    return runner.run_slot(job.pk, 0, task_id, seconds=seconds)


def test_it_sends_every_message_of_a_job_once_and_finishes_it(
    start_smsc, smpp_profile, redis_url, settings
):
    peer = start_smsc("netsmpp")
    profile = smpp_profile(peer, processing_mode="async", window_size=50)
    job = make_job(profile, 1200)

    assert _run(job) == "finished"

    job.refresh_from_db()
    assert job.status == BulkJob.Status.FINISHED and job.finished_at is not None
    assert counts(job) == {"sent": 1200}
    destinations = Counter(r["destination_addr"] for r in peer.accepted())
    assert len(destinations) == 1200 and set(destinations.values()) == {1}
    assert Message.objects.filter(job=job, parts__isnull=True).count() == 0
    seconds = JobSecond.objects.filter(job=job)
    assert sum(s.messages_sent for s in seconds) == 1200
    assert sum(s.parts_sent for s in seconds) == 1200


def test_it_never_sends_to_a_number_opted_out_after_the_import(start_smsc, smpp_profile, redis_url):
    peer = start_smsc("netsmpp")
    profile = smpp_profile(peer)
    job = make_job(profile, 0, numbers=["+4915100000001", "+4915100000002"])
    OptOut.add("+4915100000002")

    assert _run(job) == "finished"

    assert [r["destination_addr"] for r in peer.accepted()] == ["4915100000001"]
    stopped = Message.objects.get(job=job, to="+4915100000002")
    assert (stopped.status, stopped.error_code) == ("failed", "opted_out")


def test_it_holds_back_a_recipient_whose_local_time_is_outside_the_window(
    start_smsc, smpp_profile, redis_url
):
    peer = start_smsc("netsmpp")
    profile = smpp_profile(peer)
    now = timezone.now()
    # A window open from one hour ago to one hour ahead, in UTC; Tokyo is 9 hours ahead.
    opens = (now - datetime.timedelta(hours=1)).time().replace(microsecond=0)
    closes = (now + datetime.timedelta(hours=1)).time().replace(microsecond=0)
    job = make_job(profile, 0, numbers=["+4915100000001"], zone="UTC",
                   window_start=opens, window_end=closes, window_time_zone="UTC")  # fmt: skip
    make_messages = make_job(profile, 0, numbers=["+81312345678"], zone="Asia/Tokyo")
    Message.objects.filter(job=make_messages).update(job=job)

    assert _run(job, seconds=4) == "idle"

    assert [r["destination_addr"] for r in peer.accepted()] == ["4915100000001"]
    assert counts(job) == {"sent": 1, "queued": 1}
    job.refresh_from_db()
    assert job.status == BulkJob.Status.RUNNING


def test_a_claim_takes_each_message_once(smpp_profile, start_smsc):
    profile = smpp_profile(start_smsc("netsmpp"))
    job = make_job(profile, 30)
    first = claim.claim_batch(job.pk, 20, 60)[1]
    second = claim.claim_batch(job.pk, 20, 60)[1]
    assert len(first) == 20 and len(second) == 10
    assert not {r.id for r in first} & {r.id for r in second}
    assert claim.claim_batch(job.pk, 20, 60)[1] == []
