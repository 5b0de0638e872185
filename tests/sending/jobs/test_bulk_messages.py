"""What a bulk job sends: long messages resend only the parts the SMSC did not take, joined to the
earlier ones; Web URL profiles run jobs too, a timed-out request counting as possibly sent; what
may have reached the gateway is never sent again without a flag."""

from __future__ import annotations

from collections import Counter

import pytest

from sending.jobs import control, runner, slots
from sending.models import BulkJob, Message
from tests.peers.http_gateway import Reply
from tests.peers.smsc import concatenation, whole_messages
from tests.sending.jobs.bulk_support import counts, make_job

pytestmark = pytest.mark.django_db(transaction=True)
LONG = "Long message {n} " + "x" * 170  # two GSM parts


def _run(job, seconds=20):
    return runner.run_slot(job.pk, 0, slots.offer(job.pk, 0), seconds=seconds)


@pytest.mark.peer
def test_a_long_message_sent_again_resends_only_the_refused_part_with_the_same_reference(
    start_smsc, smpp_profile, redis_url
):
    peer = start_smsc("netsmpp", throttle_every=2)  # the second submit_sm is throttled
    profile = smpp_profile(peer, max_retries=0, retry_map={})
    job = make_job(profile, 1, text=LONG)
    assert _run(job, seconds=5) == "finished"
    message = Message.objects.get(job=job)
    assert message.status == Message.Status.FAILED and message.concat_ref is not None
    assert list(message.parts.values_list("index", flat=True)) == [1]  # the part it took

    assert control.retry_failed(job.pk) == 1
    assert _run(job, seconds=5) == "finished"

    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    accepted = peer.accepted()
    udh = [concatenation(bytes.fromhex(r["short_message"])) for r in accepted]
    assert [number for _ref, _total, number in udh] == [1, 2]  # never part 1 twice
    assert {ref for ref, _total, _number in udh} == {message.concat_ref}
    assert whole_messages(accepted) == [("4915100000000", LONG.format(n=0))]
    assert list(message.parts.values_list("index", flat=True)) == [1, 2]


def test_a_web_url_profile_runs_a_job_and_a_timeout_counts_as_possibly_sent(
    web_url_profile, gateway, redis_url
):
    profile = web_url_profile(gateway, concurrency=4, request_timeout=1)
    gateway.script(*[Reply(200, "OK id=slow", delay=2)] + [Reply() for _ in range(30)])
    job = make_job(profile, 30)

    assert _run(job) == "finished"

    job.refresh_from_db()
    assert job.status == BulkJob.Status.FINISHED
    assert counts(job) == {"sent": 29, "possibly_sent": 1}
    texts = Counter(gateway.texts())
    assert len(texts) == 30 and set(texts.values()) == {1}  # the timed-out one was not resent


@pytest.mark.peer
def test_a_message_resent_after_a_lost_link_is_flagged_as_perhaps_arriving_twice(
    start_smsc, smpp_profile, redis_url
):
    peer = start_smsc("netsmpp", drop_after=100, no_receipts=True)
    profile = smpp_profile(peer, processing_mode="async", window_size=10, reconnect_delay=0)
    job = make_job(profile, 300)

    assert _run(job) == "finished"

    assert counts(job) == {"sent": 300}
    dropped = next(r for r in peer.events("submit_sm") if r["status"] == -1)
    flagged = Message.objects.filter(job=job, possibly_duplicate=True)
    assert f"+{dropped['destination_addr']}" in set(flagged.values_list("to", flat=True))
    assert 1 <= flagged.count() <= 10  # what was in flight when the link went, no more


def test_a_job_pausing_itself_on_timeouts_leaves_them_possibly_sent_not_queued_again(
    web_url_profile, gateway, redis_url
):
    profile = web_url_profile(gateway, concurrency=1, request_timeout=1)
    gateway.script(*[Reply(200, "OK", delay=1.5) for _ in range(runner.AUTO_PAUSE_STREAK)])
    job = make_job(profile, 30)

    assert _run(job) == "paused"

    # Each request went and got no answer in time: the gateway may have every one of them.
    assert counts(job) == {"possibly_sent": runner.AUTO_PAUSE_STREAK, "queued": 20}
    assert len(gateway.requests) == runner.AUTO_PAUSE_STREAK
