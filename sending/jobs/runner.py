"""One sender of a running job: claim a chunk, send it on the worker's session, record, repeat.

Every message is a row before it is sent. Two threads on connections of their own
(sending.jobs.writer) write the outcomes so far and claim the next chunk while this thread keeps
the SMPP window full; just before a chunk's first submit_sm this thread marks it
handed (one small row: claim.hand_over), so after a crash the sweeper knows which messages may be
at the SMSC (at most about two chunks and a window) and which were never sent (the chunk claimed
ahead). The job's state is read at least every CHECK_EVERY seconds, so pause and cancel stop the
sending within a second; the profile's Test SMS and `sendsms` messages are sent on the same
session between chunks, so they never wait behind the job. When every recent attempt fails
because the gateway is away, the job pauses itself instead of burning the messages' retries.
"""

from __future__ import annotations

import logging
import time
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
from .writer import Claimer, Writer

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
        self._open: dict[str, int] = {}
        self._keys: list[str] = []  # provider keys of the parts in the Recorder
        self.writer = Writer()
        self.claimer = Claimer(self._claim_next)

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
                control.pause(self.job.pk, reason=exc.reason, auto=True)
                return "paused"
            raise
        finally:
            try:
                self.writer.close()
                self.claimer.close()
            finally:
                receipts.close()

    def _send_batch(self, transport, receipts, deadline: float) -> int:
        """Send chunk after chunk through one send_many (the window never drains between
        chunks) until nothing is due, the job stops or `deadline`; returns how many messages
        were handed to the transport."""
        recorder = Recorder(self.job.pk, self.profile)
        self._rows: dict[int, Claimed] = {}  # handed to the transport, no outcome yet
        self._open: dict[str, int] = {}  # claim of a handed chunk -> its messages without outcome
        self._chunk: list[Claimed] = []  # the chunk being handed over, up to self._next
        self._next = self._handed = 0
        sent_any = False
        try:
            feed = self._feed(recorder, receipts, deadline)
            for message, outcome in transport.send_many(feed):
                if message.reference.startswith("p"):
                    _record_single(message, outcome, receipts)
                    continue
                row = self._rows.pop(int(message.reference))
                if isinstance(outcome, TransportError):
                    if outcomes.is_gateway_error(outcome):
                        self.held.append((row, message, outcome))
                        if len(self.held) >= AUTO_PAUSE_STREAK:
                            self._auto_pause(outcome, recorder)
                        continue
                    recorder.record_error(row, message, outcome)
                else:
                    sent_any = True
                    self._count_held(recorder)
                    self._keys += recorder.record_sent(row, message, outcome)
                self._settled(row, recorder)
                if time.monotonic() - self._flushed_at >= FLUSH_EVERY:
                    self._flush(recorder, receipts)
        finally:
            if self.held and not self.stop and not sent_any:
                self._auto_pause(self.held[-1][2], recorder)
            elif self.held and self.stop:
                self._requeue_held(recorder)
            self._count_held(recorder)
            self._flush(recorder, receipts, wait=True)
            self._give_back()
        return self._handed

    def _feed(self, recorder: Recorder, receipts, deadline: float) -> Iterator[OutgoingMessage]:
        """The messages, chunk by chunk: each chunk was claimed while the one before went out,
        and is marked handed right before the transport takes its first message."""
        while True:
            token, chunk = self.claimer.take()
            self._chunk, self._next = chunk, 0
            if not chunk or self.stop or not self._housekeeping() or time.monotonic() > deadline:
                return  # the chunk, not handed, is given back
            if not claim.hand_over(chunk, self.lease / 3):
                # Claimed too long ago (the worker was stopped?): what is still ours goes back.
                log.warning("job %s: a claimed chunk outlived its lease, not sent", self.job.pk)
                claim.release(chunk)
                self._chunk = []
                continue
            self._open[token] = len(chunk)
            self._handed += len(chunk)
            self.claimer.claim_ahead()  # the next one, while this one goes out
            self._flush(recorder, receipts)
            yield from self._priority_messages()
            while self._next < len(chunk):
                if self.stop or (
                    time.monotonic() - self._checked >= CHECK_EVERY and not self._housekeeping()
                ):
                    return  # the rest of the chunk was never handed: given back
                row = chunk[self._next]
                self._next += 1
                self._rows[row.id] = row
                only = None
                if row.accepted:
                    only = tuple(i for i in range(1, row.parts_count + 1) if i not in row.accepted)
                yield OutgoingMessage(
                    row.to, row.sender, row.text, str(row.id), only=only, concat_ref=row.concat_ref
                )

    def _claim_next(self) -> tuple[str, list[Claimed]]:
        """Run by the claimer thread, on its connection."""
        return claim.claim_batch(self.job.pk, self.chunk, self.lease, self._open_zones())

    def _settled(self, row: Claimed, recorder: Recorder) -> None:
        """`row` has its outcome (collected, or written directly): its chunk's last one ends
        the chunk's handed mark, in the same transaction as that outcome."""
        left = self._open[row.claim] - 1
        if left:
            self._open[row.claim] = left
        else:
            del self._open[row.claim]
            recorder.finished.append(row.claim)

    def _give_back(self) -> None:
        """Claimed messages never handed to the transport: the rest of the chunk being handed
        over and the chunk claimed ahead."""
        rows = self._chunk[self._next :] + self.claimer.give_up()
        self._chunk = []
        claim.release(rows, cancelled=self.stop == BulkJob.Status.CANCELLED)

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
            # Not while the writer updates some of the claims' rows: the two would wait for
            # each other's row locks.
            self.writer.wait()
            ahead = self.claimer.ahead_token()
            claim.renew([*self._open, *([ahead] if ahead else [])], self.lease)
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
            self._settled(row, recorder)
        self.held = []

    def _requeue_held(self, recorder: Recorder) -> None:
        """The job stops: what failed only because the gateway was away is queued again, its
        attempt not counted; what may have reached the gateway all the same is possibly sent."""
        again, maybe = [], []
        for held in self.held:
            (maybe if outcomes.may_have_been_sent(held[2]) else again).append(held)
        claim.requeue_uncounted([row.id for row, _m, _e in again])
        for row, message, exc in maybe:
            recorder.record_error(row, message, exc)
        for row, _m, _e in self.held:
            self._settled(row, recorder)
        self.held = []

    def _auto_pause(self, exc: TransportError, recorder: Recorder) -> None:
        self._requeue_held(recorder)
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
