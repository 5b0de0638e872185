"""The windowed send loop of a Session: up to `window` submit_sm unanswered on one socket,
responses matched by sequence number, a throughput cap in parts per second, and back-off when
the SMSC throttles. Kept apart from the session's binding and housekeeping for size only; it runs
on the Session (self) and the same single thread.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..base import TransportError
from .codec import GENERIC_NACK, HEADER, SUBMIT_SM, SUBMIT_SM_RESP, message_id_of
from .connection import ConnectionLost
from .errors import SLOW_DOWN, status_error

UNBIND_GRACE = 2.0  # after the SMSC's unbind, wait this long for responses still due
MAX_BACKOFF = 5.0  # seconds of pause after repeated ESME_RTHROTTLED / ESME_RMSGQFUL
ESME_RINVCMDID = 0x03


@dataclass(slots=True)
class Job:
    """One message on its way: its submit_sm bodies, and the provider id of each part."""

    message: object
    bodies: list[bytes]
    encoding: str = ""
    ids: list[str] = field(default_factory=list)
    left: int = 0
    error: TransportError | None = None

    def __post_init__(self):
        self.ids = [""] * len(self.bodies)
        self.left = len(self.bodies)


class WindowedSending:
    def run(self, jobs: Iterator[Job]) -> Iterator[Job]:
        """Send every job's parts within the window; yield each job once, when it is settled.

        Parts are resent only when they got no response: after a lost connection (reconnecting
        after the delay) or after a throttling status (pausing first, longer each time).
        """
        pending: deque = deque()  # (job, part index, attempts)
        inflight: dict[int, tuple] = {}  # sequence -> (job, part index, attempts, sent at)
        done: list[Job] = []
        exhausted = False
        window, rate = self.window, self.throughput
        limiter = self.limiter
        if limiter is not None:
            rate = 0.0  # the cap shared by every worker replaces this session's own
        limited_until = 0.0
        burst = max(1.0, min(rate / 10.0, float(window))) if rate else 0.0
        tokens, refilled = burst, time.monotonic()
        backoff, pause_until, failures = 0.0, 0.0, 0
        header = HEADER.pack
        monotonic = time.monotonic

        while True:
            if done:
                ready, done = done, []
                yield from ready
            if self.conn is None:
                if exhausted and not pending and not inflight:
                    return
                try:
                    self._ensure_connected()
                    failures = 0
                except TransportError as exc:
                    failures += 1
                    if exc.permanent or failures > self.max_retries:
                        yield from self._fail_all(exc, pending, jobs)
                        return
                    continue
            now = monotonic()
            out: list[bytes] = []
            if now >= max(pause_until, limited_until) and self._unbound_at is None:
                if rate:
                    tokens = min(burst, tokens + (now - refilled) * rate)
                    refilled = now
                while len(inflight) < window:
                    if not pending:
                        if exhausted:
                            break
                        job = next(jobs, None)
                        if job is None:
                            exhausted = True
                            break
                        if job.error is not None or not job.bodies:
                            done.append(job)
                            continue
                        pending.extend([(job, index, 0) for index in range(len(job.bodies))])
                    if rate:
                        if tokens < 1.0:
                            break
                        tokens -= 1.0
                    job, index, attempts = pending.popleft()
                    if job.error is not None:  # another part failed: do not send the rest
                        job.left -= 1
                        if not job.left:
                            done.append(job)
                        continue
                    if limiter is not None:
                        delay = limiter.try_acquire(1)
                        if delay:  # not this second: the part waits at the head of the queue
                            pending.appendleft((job, index, attempts))
                            limited_until = now + delay
                            break
                    self._sequence = sequence = self._sequence % 0x7FFFFFFF + 1
                    body = job.bodies[index]
                    out.append(header(16 + len(body), SUBMIT_SM, 0, sequence))
                    out.append(body)
                    inflight[sequence] = (job, index, attempts, now)
            try:
                if out or self._replies:
                    self._write(out)
                if done:
                    ready, done = done, []
                    yield from ready
                if exhausted and not pending and not inflight:
                    return
                self._keepalive(now)
                # Read without waiting while more can be sent; otherwise sleep until something
                # is due: a response, a throughput token, the end of a pause, a keep-alive.
                can_send = (
                    len(inflight) < window
                    and (pending or not exhausted)
                    and self._unbound_at is None
                )
                if (
                    can_send
                    and now >= max(pause_until, limited_until)
                    and (not rate or tokens >= 1.0)
                ):
                    wait = 0.0
                else:
                    wait = self.enquire_interval
                    if inflight:
                        oldest = next(iter(inflight.values()))[3]
                        wait = min(wait, oldest + self.response_timeout - now)
                    if can_send:
                        wait = min(
                            wait,
                            max(
                                pause_until - now,
                                limited_until - now,
                                (1.0 - tokens) / rate if rate else 0,
                            ),
                        )
                    if self._unbound_at is not None:
                        wait = min(wait, self._unbound_at + UNBIND_GRACE - now)
                    wait = max(0.0, wait)
                pdus = self.conn.read(wait)
                for command_id, status, sequence, body in pdus:
                    if command_id == SUBMIT_SM_RESP or (
                        command_id == GENERIC_NACK and sequence in inflight
                    ):
                        entry = inflight.pop(sequence, None)
                        if entry is None:
                            continue  # a response to a submit we already gave up on
                        job, index, attempts, _sent = entry
                        if status == 0 and command_id == SUBMIT_SM_RESP:
                            job.ids[index] = message_id_of(body)
                            job.left -= 1
                            if not job.left:
                                done.append(job)
                            backoff = 0.0
                        elif status in SLOW_DOWN and attempts < self.max_retries:
                            pending.appendleft((job, index, attempts + 1))
                            backoff = min(MAX_BACKOFF, max(0.05, backoff * 2))
                            pause_until = monotonic() + backoff
                        else:
                            if job.error is None:
                                job.error = status_error(status or ESME_RINVCMDID, self.retry_map)
                            job.left -= 1
                            if not job.left:
                                done.append(job)
                    else:
                        self._incoming(command_id, status, sequence, body)
                if self._unbound_at is not None and (
                    not inflight or monotonic() - self._unbound_at > UNBIND_GRACE
                ):
                    raise ConnectionLost(_("the SMSC unbound"))
                if inflight:
                    oldest = next(iter(inflight.values()))[3]
                    if monotonic() - oldest > self.response_timeout:
                        raise ConnectionLost(_("no submit_sm_resp within the response timeout"))
            except ConnectionLost as exc:
                self._lose(exc)
                # Exactly the parts without a response go again, in their original order.
                pending.extendleft(
                    (job, index, attempts)
                    for job, index, attempts, _t in reversed(inflight.values())
                )
                inflight.clear()

    def _fail_all(self, error: TransportError, pending: deque, jobs: Iterator[Job]):
        seen = set()
        for job, _index, _attempts in pending:
            if id(job) not in seen:
                seen.add(id(job))
                job.error = job.error or error
                yield job
        for job in jobs:
            job.error = job.error or error
            yield job
