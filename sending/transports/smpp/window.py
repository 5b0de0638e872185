"""The send window a Session owns: up to `size` submit_sm unanswered on one bind, responses matched
by sequence number, a throughput cap in parts per second, and back-off when the SMSC throttles.

The window knows parts and responses, never the socket: the session asks it which parts may go
now (`fill`), hands it every submit_sm_resp and generic_nack (`settle`), puts the unanswered parts
back after a lost connection (`resend_unanswered`), and sleeps no longer than `next_due` says.
One thread drives both, as smpplib (not thread-safe) would require too.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ..base import TransportError
from .codec import GENERIC_NACK, HEADER, SUBMIT_SM, SUBMIT_SM_RESP, message_id_of
from .errors import ESME_RINVCMDID, SLOW_DOWN, status_error

MAX_BACKOFF = 5.0  # seconds of pause after repeated ESME_RTHROTTLED / ESME_RMSGQFUL
# A burst of at most 2% of a second's parts: a provider counting parts per second then sees at
# most the cap plus 2% (one part at low caps), while a fast cap still writes several parts a call.
BURST_SHARE = 0.02


@dataclass(slots=True)
class Job:
    """One message on its way: its submit_sm bodies, and the provider id of each part."""

    message: object
    bodies: list[bytes]
    encoding: str = ""
    ids: list[str] = field(default_factory=list)
    left: int = 0
    error: TransportError | None = None
    # A part went again after a lost connection: the SMSC may have taken the first one too
    # (gateway-notes: at most the window can be duplicated after a lost connection).
    resent: bool = False

    def __post_init__(self):
        self.ids = [""] * len(self.bodies)
        self.left = len(self.bodies)


class Window:
    def __init__(
        self,
        size: int,
        throughput: float = 0.0,
        *,
        max_retries: int = 3,
        retry_map: dict | None = None,
        response_timeout: float = 60.0,
    ):
        self.size = max(1, int(size))
        self.rate = float(throughput or 0)
        self.burst = max(1.0, min(self.rate * BURST_SHARE, float(self.size))) if self.rate else 0.0
        self.tokens, self.refilled = self.burst, time.monotonic()
        self.max_retries = max_retries
        self.retry_map = retry_map or {}
        self.response_timeout = response_timeout
        self.pending: deque = deque()  # (job, part index, attempts), in sending order
        self.inflight: dict[int, tuple] = {}  # sequence -> (job, part index, attempts, sent at)
        self.done: list[Job] = []
        self.jobs: Iterator[Job] = iter(())
        self.exhausted = True
        self.backoff = self.pause_until = 0.0
        # A cap shared by every worker (sending.jobs.throttle.Limiter); when set it replaces this
        # window's own rate, and a part it refuses waits at the head of the queue.
        self.limiter = None
        self.limited_until = 0.0

    def start(self, jobs: Iterable[Job]) -> None:
        """Take a new stream of jobs. Parts of an abandoned run are forgotten; a late response
        to one is recognised and dropped by `settle`."""
        self.jobs, self.exhausted = iter(jobs), False
        self.pending.clear()
        self.inflight.clear()
        self.done.clear()

    @property
    def finished(self) -> bool:
        return self.exhausted and not self.pending and not self.inflight

    def settled(self) -> list[Job]:
        """The jobs settled since the last call (each job exactly once)."""
        ready, self.done = self.done, []
        return ready

    def has_work(self) -> bool:
        return len(self.inflight) < self.size and bool(self.pending or not self.exhausted)

    def fill(self, now: float, next_sequence: Callable[[], int]) -> list[bytes]:
        """The submit_sm PDUs that may go now: as many as the window, the cap and a pause allow."""
        if now < max(self.pause_until, self.limited_until):
            return []
        limiter = self.limiter
        rate = 0.0 if limiter is not None else self.rate
        pending, inflight = self.pending, self.inflight
        if rate:
            self.tokens = min(self.burst, self.tokens + (now - self.refilled) * rate)
            self.refilled = now
        out: list[bytes] = []
        header = HEADER.pack
        while len(inflight) < self.size:
            if not pending:
                if out and limiter is not None:
                    # Write what the shared cap granted first: the next message may take a
                    # while to come (a bulk sender writes to its database there), and a grant
                    # counts in its own second at the server, not in the next one.
                    break
                if not self._next_job():
                    break
            job, index, attempts = pending[0]
            if job.error is not None:  # another part failed: do not send the rest
                pending.popleft()
                self._part_settled(job)
                continue
            if rate:
                if self.tokens < 1.0:
                    break
                self.tokens -= 1.0
            if limiter is not None:
                delay = limiter.try_acquire(1)
                if delay:  # not in this second: the part stays first in the queue
                    self.limited_until = now + delay
                    break
            pending.popleft()
            sequence = next_sequence()
            body = job.bodies[index]
            out.append(header(16 + len(body), SUBMIT_SM, 0, sequence))
            out.append(body)
            inflight[sequence] = (job, index, attempts, now)
        return out

    def _next_job(self) -> bool:
        """Queue the parts of the next job that has any; False when there are no more jobs."""
        while not self.exhausted:
            job = next(self.jobs, None)
            if job is None:
                self.exhausted = True
            elif job.error is not None or not job.bodies:
                self.done.append(job)  # refused before sending (too long, …)
            else:
                self.pending.extend([(job, index, 0) for index in range(len(job.bodies))])
                return True
        return False

    def _part_settled(self, job: Job) -> None:
        job.left -= 1
        if not job.left:
            self.done.append(job)

    def settle(self, command_id: int, status: int, sequence: int, body: bytes) -> bool:
        """Take a response if it answers a submit_sm; False when it is not the window's."""
        if command_id != SUBMIT_SM_RESP and not (
            command_id == GENERIC_NACK and sequence in self.inflight
        ):
            return False
        entry = self.inflight.pop(sequence, None)
        if entry is None:
            return True  # a response to a submit we already gave up on
        job, index, attempts, _sent = entry
        if status == 0 and command_id == SUBMIT_SM_RESP:
            job.ids[index] = message_id_of(body)
            self._part_settled(job)
            self.backoff = 0.0
        elif status in SLOW_DOWN and attempts < self.max_retries:
            # Throttled: the same part goes again first, after a pause longer each time.
            self.pending.appendleft((job, index, attempts + 1))
            self.backoff = min(MAX_BACKOFF, max(0.05, self.backoff * 2))
            self.pause_until = time.monotonic() + self.backoff
        else:
            if job.error is None:
                job.error = status_error(status or ESME_RINVCMDID, self.retry_map)
            self._part_settled(job)
        return True

    def next_due(self, now: float, sending: bool) -> float:
        """Seconds until something is due: the oldest response's timeout and, while `sending`,
        the end of a pause or the next token. Zero or less: a part may go now."""
        due = math.inf
        if self.inflight:
            oldest = next(iter(self.inflight.values()))[3]
            due = oldest + self.response_timeout - now
        if sending:
            own_rate = self.rate if self.limiter is None else 0.0
            token = (1.0 - self.tokens) / own_rate if own_rate else 0.0
            due = min(due, max(self.pause_until - now, self.limited_until - now, token))
        return due

    def overdue(self, now: float) -> bool:
        """The oldest unanswered part waited longer than the response timeout."""
        if not self.inflight:
            return False
        return now - next(iter(self.inflight.values()))[3] > self.response_timeout

    def resend_unanswered(self) -> None:
        """After a lost connection: exactly the parts without a response go again, in order."""
        for job, _index, _attempts, _t in self.inflight.values():
            job.resent = True
        self.pending.extendleft(
            (job, index, attempts) for job, index, attempts, _t in reversed(self.inflight.values())
        )
        self.inflight.clear()

    def fail_all(self, error: TransportError) -> Iterator[Job]:
        """Settle every job not yet settled with `error` (the bind cannot be had)."""
        seen = set()
        for job, _index, _attempts in self.pending:
            if id(job) not in seen:
                seen.add(id(job))
                job.error = job.error or error
                yield job
        self.pending.clear()
        self.exhausted = True
        for job in self.jobs:
            job.error = job.error or error
            yield job
