"""Job control, the dispatcher and the sweeper as plain functions (no worker needed)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sending.jobs import claim, control, dispatcher, runner, slots, sweeper
from sending.models import BulkJob, HandedChunk, Message
from tests.peers.http_gateway import HttpGateway
from tests.sending.jobs.bulk_support import counts, make_job

pytestmark = pytest.mark.django_db(transaction=True)
S = Message.Status


def _offers(job=None):
    offered = []
    dispatcher.dispatch(lambda job_id, slot, task_id: offered.append((job_id, slot)))
    return [(j, s) for j, s in offered if job is None or j == job.pk]


def test_it_starts_a_scheduled_job_only_when_its_time_has_come(make_profile, redis_url):
    profile = make_profile(max_binds=2)
    later = make_job(profile, 3, status=BulkJob.Status.SCHEDULED,
                     scheduled_at=timezone.now() + timedelta(hours=1))  # fmt: skip
    due = make_job(profile, 3, status=BulkJob.Status.SCHEDULED, scheduled_at=timezone.now())

    assert _offers(later) == [] and _offers(due) == []  # a tick later the slots are held
    due.refresh_from_db(), later.refresh_from_db()
    assert due.status == BulkJob.Status.RUNNING and due.started_at is not None
    assert later.status == BulkJob.Status.SCHEDULED and later.started_at is None


@pytest.mark.parametrize("auto", [False, True], ids=["resumed-by-the-user", "resumed-by-itself"])
def test_a_job_paused_before_its_first_tick_gets_its_start_time_when_it_resumes(
    make_profile, redis_url, settings, auto
):
    settings.SMSPORTAL_BULK_AUTO_RESUME = True
    job = make_job(make_profile(reconnect_delay=1), 2, status=BulkJob.Status.SCHEDULED,
                   scheduled_at=timezone.now())  # fmt: skip
    assert control.pause(job.pk, auto=auto)  # "start now", paused before the dispatcher ran
    if auto:
        BulkJob.objects.filter(pk=job.pk).update(resume_at=timezone.now())
    else:
        assert control.resume(job.pk)
    _offers(job)

    job.refresh_from_db()
    assert job.status == BulkJob.Status.RUNNING and job.started_at is not None


def test_it_offers_one_sender_per_bind_and_never_piles_them_up(make_profile, redis_url):
    job = make_job(make_profile(max_binds=2, bind_mode="transceiver"), 5)
    assert _offers(job) == [(job.pk, 0), (job.pk, 1)]
    assert _offers(job) == []  # the slots are held until their tasks stop or expire


def test_a_job_pauses_itself_when_the_gateway_refuses_and_burns_no_retry(
    make_profile, redis_url, settings
):
    settings.SMSPORTAL_BULK_AUTO_RESUME = False
    with HttpGateway() as gone:
        port = gone.port
    profile = make_profile(host="127.0.0.1", port=port, bind_timeout=2, reconnect_delay=0)
    job = make_job(profile, 5)

    assert runner.run_slot(job.pk, 0, slots.offer(job.pk, 0)) == "paused"

    job.refresh_from_db()
    assert job.status == BulkJob.Status.PAUSED and job.auto_paused
    assert "refused" in job.pause_reason.lower() and job.resume_at is None
    assert set(Message.objects.filter(job=job).values_list("status", "attempts")) == {("queued", 0)}
    assert control.resume(job.pk)
    job.refresh_from_db()
    assert job.status == BulkJob.Status.RUNNING and not job.pause_reason


def test_a_job_that_paused_itself_resumes_after_the_reconnect_delay_when_set(
    make_profile, redis_url, settings
):
    settings.SMSPORTAL_BULK_AUTO_RESUME = True
    job = make_job(make_profile(reconnect_delay=1), 1)
    control.pause(job.pk, reason="Connection refused", auto=True)
    _offers(job)
    job.refresh_from_db()
    assert job.status == BulkJob.Status.PAUSED and job.resume_at is not None
    BulkJob.objects.filter(pk=job.pk).update(resume_at=timezone.now())
    _offers(job)
    job.refresh_from_db()
    assert job.status == BulkJob.Status.RUNNING and not job.auto_paused


def test_cancel_cancels_what_waits_and_keeps_what_was_sent(make_profile):
    job = make_job(make_profile(), 4)
    first = Message.objects.filter(job=job).order_by("pk").first()
    Message.objects.filter(pk=first.pk).update(status=S.SENT)
    assert control.cancel(job.pk) and not control.cancel(job.pk)
    assert counts(job) == {"sent": 1, "cancelled": 3}


def test_retry_failed_queues_all_or_one_error_and_runs_the_job_again(make_profile):
    job = make_job(make_profile(), 3, status=BulkJob.Status.FINISHED)
    ids = list(Message.objects.filter(job=job).order_by("pk").values_list("pk", flat=True))
    Message.objects.filter(pk=ids[0]).update(status=S.FAILED, error_code="ESME_RINVDSTADR")
    Message.objects.filter(pk__in=ids[1:]).update(status=S.FAILED, error_code="ESME_RSYSERR")

    assert control.retry_failed(job.pk, error_code="ESME_RINVDSTADR") == 1
    job.refresh_from_db()
    assert job.status == BulkJob.Status.RUNNING
    assert counts(job) == {"queued": 1, "failed": 2}
    assert control.retry_failed(job.pk) == 2


def test_clone_makes_a_ready_job_with_the_same_recipients(make_profile):
    job = make_job(make_profile(), 3, status=BulkJob.Status.FINISHED)
    Message.objects.filter(job=job).update(status=S.SENT, attempts=1)
    copy = control.clone(job.pk)
    assert copy.status == BulkJob.Status.READY and copy.pk != job.pk
    assert counts(copy) == {"queued": 3}
    original = list(Message.objects.filter(job=job).order_by("pk").values_list("to", "text"))
    assert list(Message.objects.filter(job=copy).order_by("pk").values_list("to", "text")) == (
        original
    )


def _expired(job, status, **fields):
    past = timezone.now() - timedelta(seconds=5)
    Message.objects.filter(job=job).update(
        status=status, claim="x", claim_expires_at=past, attempts=1, **fields
    )


def test_the_sweeper_requeues_what_never_went_out_without_counting_the_attempt(make_profile):
    job = make_job(make_profile(), 2)
    _expired(job, S.SENDING)
    assert sweeper.sweep()["returned"] == 2
    assert set(Message.objects.filter(job=job).values_list("status", "attempts")) == {("queued", 0)}


def test_after_a_crash_a_handed_chunk_is_possibly_sent_and_one_claimed_ahead_is_queued(
    make_profile, settings
):
    job = make_job(make_profile(), 5)
    handed, rows = claim.claim_batch(job.pk, 2, 60)
    assert claim.hand_over(rows, margin=5)
    answered = rows[0].id  # its outcome was written: not the sweeper's any more
    Message.objects.filter(pk=answered).update(status=S.SENT)
    claim.claim_batch(job.pk, 2, 60)  # the chunk claimed ahead, never handed over
    past = timezone.now() - timedelta(seconds=5)
    Message.objects.filter(job=job, status=S.SENDING).update(claim_expires_at=past)

    counted = sweeper.sweep()

    assert counted["possibly_sent"] == 1 and counted["returned"] == 2
    assert counts(job) == {"sent": 1, "possibly_sent": 1, "queued": 3}
    assert Message.objects.get(job=job, status=S.POSSIBLY_SENT).pk == rows[1].id
    # The mark outlives the sweep until the lease has passed, then goes (nothing sending left).
    assert HandedChunk.objects.filter(pk=handed).exists()
    settings.SMSPORTAL_BULK_LEASE = 2
    HandedChunk.objects.filter(pk=handed).update(handed_at=past)
    sweeper.sweep()
    assert not HandedChunk.objects.exists()


def test_a_mark_of_a_handed_chunk_whose_messages_still_send_is_kept(make_profile, settings):
    job = make_job(make_profile(), 2)
    token, rows = claim.claim_batch(job.pk, 2, 60)
    assert claim.hand_over(rows, margin=5)
    settings.SMSPORTAL_BULK_LEASE = 2
    HandedChunk.objects.update(handed_at=timezone.now() - timedelta(seconds=5))
    sweeper.sweep()
    assert HandedChunk.objects.filter(pk=token).exists()
    assert counts(job) == {"sending": 2}


def test_a_chunk_whose_lease_ends_soon_is_not_handed_over_and_release_spares_others(
    make_profile,
):
    job = make_job(make_profile(), 4)
    token, rows = claim.claim_batch(job.pk, 2, lease=3)
    assert not claim.hand_over(rows, margin=5)  # the sweeper may give it away before it goes
    assert claim.hand_over(rows, margin=1)
    assert not HandedChunk.objects.exclude(pk=token).exists()

    # Released: only messages still sending under the claim, not one sent meanwhile, not one
    # another claim took.
    _other, others = claim.claim_batch(job.pk, 2, 60)
    Message.objects.filter(pk=rows[0].id).update(status=S.SENT)
    Message.objects.filter(pk=rows[1].id).update(claim=_other)
    assert claim.release(rows) == 0
    assert claim.release(others[:1]) == 1
    assert counts(job) == {"sent": 1, "queued": 1, "sending": 2}
    assert claim.release(others, cancelled=True) == 1
    assert counts(job) == {"sent": 1, "queued": 1, "sending": 1, "cancelled": 1}


def test_the_sweeper_leaves_possibly_sent_messages_for_the_user_by_default(make_profile):
    job = make_job(make_profile(), 2)
    _expired(job, S.SUBMITTING)
    assert sweeper.sweep()["possibly_sent"] == 2
    assert counts(job) == {"possibly_sent": 2}
    assert control.resend_possibly_sent(job.pk) == 2
    assert set(Message.objects.filter(job=job).values_list("status", "possibly_duplicate")) == {
        ("queued", True)
    }


def test_the_sweeper_resends_possibly_sent_messages_flagged_when_the_profile_says_so(
    make_profile,
):
    job = make_job(make_profile(after_crash="resend"), 2)
    _expired(job, S.SUBMITTING)
    counted = sweeper.sweep()
    assert counted["possibly_sent"] == 2 and counted["retry_bulk"] == 2
    assert counts(job) == {"queued": 2}  # the job's senders take them again
    assert all(Message.objects.filter(job=job).values_list("possibly_duplicate", flat=True))
