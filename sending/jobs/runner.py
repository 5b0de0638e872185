"""One sender of a running job: claim a chunk, send it on the worker's session, record, repeat.

Every message is a row before it is sent; a chunk is claimed straight into `submitting` in one
UPDATE just before its submit_sm are written (chunk after chunk through one send_many), and the
outcomes are written by a thread on a second connection (sending.jobs.writer) while this one keeps
the window full, so after a crash the sweeper knows which may be at the SMSC (at most about two
chunks and a window). The job's state is read at least every CHECK_EVERY seconds, so pause and
cancel stop the sending within a second; the profile's Test SMS and `sendsms` messages are sent on
the same session between chunks, so they never wait behind the job. When every recent attempt
fails because the gateway is away, the job pauses itself instead of burning the messages' retries.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator

from django.conf import settings
from django.utils import timezone

from sending import outcomes, scrubbing, services
from sending.models import BulkJob, Message
from sending.receipt_matching import ReceiptQueue
from sending.transports.base import OutgoingMessage, TransportError

from . import claim, control, send_window, session_pool, slots
from .claim import Claimed
from .record import Recorder
from .writer import Writer

log = logging.getLogger(__name__)

CHECK_EVERY = 0.5  # seconds between reads of the job's state (pause/cancel within a second)
IDLE_SECONDS = 2.0  # a sender with nothing to claim for this long stops; the dispatcher restarts
ZONES_EVERY = 30.0  # seconds between refreshes of the job's recipient zones (send window)
AUTO_PAUSE_STREAK = 10  # consecutive gateway failures (no success between) that pause the job
PRIORITY_BATCH = 20
# Outcomes are written at least this often (seconds) even when a chunk fills slowly (a low
# throughput cap): the job page's bar and counts move while the job runs, not chunk by chunk.
FLUSH_EVERY = 1.0
BINDS_TAKEN = ("binds_busy", "binds_unavailable")  # session_pool: no bind lease to be had


class Runner:
    def __init__(self, job: BulkJob, slot: int, owner: str):
        self.job, self.profile, self.slot, self.owner = job, job.profile, slot, owner
        self.lease = float(settings.SMSPORTAL_BULK_LEASE)
        window = max(int(self.profile.effective_window or 1), int(self.profile.concurrency or 1))
        self.chunk = max(settings.SMSPORTAL_BULK_CHUNK, window)
        self.stop: str | None = None  # the job's status once it is no longer running
        # Gateway failures not yet counted against their messages: (row, message, error).
        self.held: list[tuple[Claimed, OutgoingMessage, TransportError]] = []
        self._checked = self._renewed = self._singles_at = self._flushed_at = 0.0
        self._zones: list[str] | None = None
        self._zones_at = -ZONES_EVERY
        self._token = ""
        self._claimed, self._handed_over = 0, True
        self._keys: list[str] = []  # provider keys of the parts in the Recorder
        self.writer = Writer()

    # The loop ------------------------------------------------------------------------------------

    def run(self, seconds: float) -> str:
        """Send until the job stops, nothing is left to claim, or `seconds` have passed."""
        started, idle_since = time.monotonic(), None
        receipts = ReceiptQueue(self.profile)
        try:
            # The worker's long-lived session for the profile (bind lease and the shared cap
            # included): it stays open for the next batch, task and job.
            with session_pool.checkout(self.profile, sink=receipts) as transport:
                while time.monotonic() - started < seconds:
                    if not self._housekeeping(force=True):
                        return self.stop
                    self._send_priority(transport, receipts)
                    if self._send_batch(transport, receipts, started + seconds):
                        idle_since = None
                    else:
                        if self.stop:
                            return self.stop
                        if control.finish_if_done(self.job.pk):
                            return "finished"
                        idle_since = idle_since or time.monotonic()
                        if time.monotonic() - idle_since > IDLE_SECONDS:
                            return "idle"
                        _wait(transport, 0.25)
                        continue
                    if self.stop:
                        return self.stop
                return "time"
        except TransportError as exc:  # the session could not be opened at all
            if exc.code in BINDS_TAKEN:
                return "no bind free"  # other workers hold every bind: the dispatcher retries
            if outcomes.is_gateway_error(exc):
                self._auto_pause(exc)
                return "paused"
            raise
        finally:
            try:
                self.writer.close()
            finally:
                receipts.close()

    def _send_batch(self, transport, receipts, deadline: float) -> int:
        """Claim and send chunk after chunk through one send_many (the window never drains
        between chunks) until nothing is due, the job stops or `deadline`; returns how many
        messages were claimed."""
        token = self._token = uuid.uuid4().hex
        by_id: dict[int, Claimed] = {}
        recorder = Recorder(self.job.pk, self.profile)
        sent_any = False
        try:
            feed = self._feed(token, by_id, recorder, receipts, deadline)
            for message, outcome in transport.send_many(feed):
                if message.reference.startswith("p"):
                    _record_single(message, outcome, receipts)
                    continue
                row = by_id.pop(int(message.reference))
                if isinstance(outcome, TransportError):
                    if outcomes.is_gateway_error(outcome):
                        self.held.append((row, message, outcome))
                        if len(self.held) >= AUTO_PAUSE_STREAK:
                            self._auto_pause(outcome)
                        continue
                    recorder.record_error(row, message, outcome)
                else:
                    sent_any = True
                    self._count_held(recorder)
                    self._keys += recorder.record_sent(row, message, outcome)
                if len(recorder) >= self.chunk or (
                    time.monotonic() - self._flushed_at >= FLUSH_EVERY
                ):
                    self._flush(recorder, receipts)
        finally:
            if self.held and not self.stop and not sent_any:
                self._auto_pause(self.held[-1][2])
            elif self.held and self.stop:
                claim.requeue_uncounted([row.id for row, _m, _e in self.held])
                self.held = []
            self._count_held(recorder)
            self._flush(recorder, receipts, wait=True)
            if self._claimed and not self._handed_over:
                claim.release(token, cancelled=self.stop == BulkJob.Status.CANCELLED)
        return self._claimed

    def _feed(
        self, token: str, by_id: dict[int, Claimed], recorder: Recorder, receipts, deadline: float
    ) -> Iterator[OutgoingMessage]:
        """The messages, chunk by chunk: each chunk is claimed straight into submitting (and
        the outcomes so far written) right before the transport takes its first message."""
        self._claimed, self._handed_over = 0, True
        while time.monotonic() < deadline:
            self._flush(recorder, receipts)
            if self.stop or not self._housekeeping():
                return
            yield from self._priority_messages()
            _token, chunk = claim.claim_batch(
                self.job.pk, self.chunk, self.lease, self._open_zones(), token=token,
                submitting=True,
            )  # fmt: skip
            if not chunk:
                return
            self._claimed += len(chunk)
            by_id.update((row.id, row) for row in chunk)
            for position, row in enumerate(chunk):
                if self.stop or (
                    time.monotonic() - self._checked >= CHECK_EVERY and not self._housekeeping()
                ):
                    # Not handed to the transport: back to sending, which release() gives back.
                    claim.unmark([r.id for r in chunk[position:]])
                    self._handed_over = False
                    return
                only = None
                if row.accepted:
                    only = tuple(i for i in range(1, row.parts_count + 1) if i not in row.accepted)
                yield OutgoingMessage(
                    row.to, row.sender, row.text, str(row.id), only=only, concat_ref=row.concat_ref
                )

    def _flush(self, recorder: Recorder, receipts, *, wait: bool = False) -> None:
        """Hand the outcomes so far to the writer (`wait`: until they are committed); receipts
        waiting for parts already committed are matched."""
        self._flushed_at = time.monotonic()
        keys, self._keys = self._keys, []
        self.writer.hand_over(recorder.take(), keys)
        if wait:
            self.writer.wait()
        committed = self.writer.committed()
        if committed:
            receipts.parts_recorded(committed)
        receipts.flush()

    # Housekeeping --------------------------------------------------------------------------------

    def _housekeeping(self, force: bool = False) -> bool:
        """Read the job's state (False when it no longer runs); renew the slot and the lease."""
        now = time.monotonic()
        if not force and now - self._checked < CHECK_EVERY:
            return not self.stop
        self._checked = now
        status = BulkJob.objects.filter(pk=self.job.pk).values_list("status", flat=True).first()
        if status != BulkJob.Status.RUNNING:
            self.stop = status or BulkJob.Status.CANCELLED
            return False
        if now - self._renewed >= min(5.0, self.lease / 3, slots.ttl() / 3):
            self._renewed = now
            if self._token:
                # Not while the writer updates some of the claim's rows: the two would wait for
                # each other's row locks.
                self.writer.wait()
                claim.renew(self._token, self.lease)
            if not slots.renew(self.job.pk, self.slot, self.owner):
                self.stop = "slot lost"
                return False
        return True

    def _open_zones(self) -> list[str] | None:
        if not self.job.has_window:
            return None
        now = time.monotonic()
        if now - self._zones_at >= ZONES_EVERY:
            self._zones, self._zones_at = claim.job_zones(self.job.pk), now
        return send_window.open_zones(self.job, self._zones or [], timezone.now())

    # Gateway failures --------------------------------------------------------------------------

    def _count_held(self, recorder: Recorder) -> None:
        """A success came after some gateway failures: those were ordinary transient errors."""
        for row, message, exc in self.held:
            recorder.record_error(row, message, exc)
        self.held = []

    def _auto_pause(self, exc: TransportError) -> None:
        claim.requeue_uncounted([row.id for row, _m, _e in self.held])
        self.held = []
        control.pause(self.job.pk, reason=exc.reason, auto=True)
        self.stop = BulkJob.Status.PAUSED

    # The profile's Test SMS and sendsms messages go first --------------------------------------

    def _priority_messages(self) -> Iterator[OutgoingMessage]:
        now = time.monotonic()
        if now - self._singles_at < CHECK_EVERY:
            return
        self._singles_at = now
        for message in claim_singles(self.profile.pk):
            yield OutgoingMessage(message.to, message.sender, message.text, f"p{message.pk}")

    def _send_priority(self, transport, receipts) -> None:
        outgoing = list(self._priority_messages())
        if outgoing:
            for message, outcome in transport.send_many(outgoing):
                _record_single(message, outcome, receipts)


def claim_singles(profile_id: int) -> list[Message]:
    """Claim the profile's due Test SMS / sendsms messages (not bulk)."""
    due = services.due_filter(timezone.now())
    ids = list(
        Message.objects.filter(due, profile_id=profile_id, job__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:PRIORITY_BATCH]
    )
    if not ids:
        return []
    token = services._claim(ids)
    return list(Message.objects.filter(claim=token).select_related("profile"))


def _record_single(message: OutgoingMessage, outcome, receipts) -> None:
    single = Message.objects.select_related("profile").get(pk=int(message.reference[1:]))
    if isinstance(outcome, TransportError):
        services._record_error(single, outcome, allow_retry=True)
    else:
        receipts.parts_recorded(services._record_sent(single, outcome))


def _wait(transport, seconds: float) -> None:
    """Idle on the session: an SMPP bind reads receipts and keeps itself alive meanwhile."""
    poll = getattr(transport, "poll_receipts", None)
    if poll is not None:
        poll(seconds)
    else:
        time.sleep(seconds)


def run_slot(job_id: int, slot: int, owner: str, seconds: float | None = None) -> str:
    """A sender task's body: run the slot it was offered until the job stops or time is up."""
    job = BulkJob.objects.select_related("profile").filter(pk=job_id).first()
    if job is None or job.status != BulkJob.Status.RUNNING:
        return "not running"
    if not slots.take(job_id, slot, owner):
        return "slot taken"
    try:
        # Secrets of the profile are scrubbed from every log line while it sends.
        with scrubbing.secrets_in_use(scrubbing.profile_secrets(job.profile)):
            return Runner(job, slot, owner).run(seconds or settings.SMSPORTAL_BULK_TASK_SECONDS)
    finally:
        slots.release(job_id, slot, owner)
