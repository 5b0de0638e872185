"""One bind to one SMSC, driven by one thread: window, throughput cap, keep-alive, reconnect.

smpplib leaves all of this to its users and is not thread-safe, so the session owns its socket
and interleaves writing submit_sm with reading whatever the SMSC sends (responses, receipts,
enquire_link, unbind). There is deliberately no keep-alive thread: a second writer on the socket
is a known source of corrupted streams. enquire_link is sent by the same loop whenever the link
has been quiet for the interval, while sending, while waiting, and in `poll()`.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from profiles import choices

from .. import receipts
from ..transports.base import Receipt, TransportError
from .connection import Connection, ConnectionLost, open_socket
from .errors import ESME_ROK, SLOW_DOWN, status_error
from .pdu import (
    BIND_TRANSCEIVER,
    BIND_TRANSMITTER,
    DELIVER_SM,
    DELIVER_SM_RESP,
    ENQUIRE_LINK,
    ENQUIRE_LINK_RESP,
    ESM_TYPE_MASK,
    GENERIC_NACK,
    HEADER,
    RESPONSE,
    SUBMIT_SM,
    SUBMIT_SM_RESP,
    UNBIND,
    UNBIND_RESP,
    ShortMessage,
    bind_body,
    message_id_of,
    pack,
)

log = logging.getLogger(__name__)

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


class Session:
    def __init__(self, profile, on_receipt: Callable[[Receipt], None] | None = None):
        self.host, self.port = profile.host, int(profile.port or 2775)
        self.profile = profile
        self.window = max(1, int(profile.effective_window))
        self.throughput = float(profile.throughput or 0)
        self.enquire_interval = float(profile.enquire_link_interval)
        self.bind_timeout = float(profile.bind_timeout)
        self.response_timeout = float(profile.response_timeout)
        self.reconnect_delay = float(profile.reconnect_delay)
        self.max_retries = int(profile.max_retries)
        self.retry_map = dict(profile.retry_map or {})
        self.transceiver = profile.bind_mode == choices.BindMode.TRANSCEIVER
        self.on_receipt = on_receipt
        self.conn: Connection | None = None
        self.smsc_system_id = ""
        self.reconnects = 0
        self._sequence = 0
        self._replies: list[bytes] = []
        self._last_write = 0.0
        self._enquire: tuple[int, float] | None = None  # our unanswered enquire_link
        self._lost_at: float | None = None
        self._unbound_at: float | None = None  # when the SMSC sent unbind

    # Binding ------------------------------------------------------------------------------------

    def next_sequence(self) -> int:
        self._sequence = self._sequence % 0x7FFFFFFF + 1
        return self._sequence

    def connect(self, timeout: float | None = None) -> None:
        """Connect and bind; TransportError (permanent for a refused bind) on failure."""
        timeout = self.bind_timeout if timeout is None else timeout
        p = self.profile
        sock = open_socket(
            self.host, self.port, timeout, use_tls=p.use_tls, verify_tls=p.verify_tls
        )
        self.conn = Connection(sock)
        command = BIND_TRANSCEIVER if self.transceiver else BIND_TRANSMITTER
        body = bind_body(
            p.username,
            p.password,
            p.system_type,
            p.interface_version,
            p.bind_ton,
            p.bind_npi,
            p.address_range,
        )
        try:
            status, resp = self.call(command, body, timeout)
        except TransportError:
            self.drop()
            raise
        if status != ESME_ROK:
            self.drop()
            raise status_error(status, bind=True)
        self.smsc_system_id = resp.split(b"\0", 1)[0].decode("latin-1")
        self._lost_at = None

    def call(self, command_id: int, body: bytes, timeout: float) -> tuple[int, bytes]:
        """Send one request and wait for its response, handling whatever else arrives."""
        if self.conn is None:
            raise TransportError(_("Not connected."), permanent=False, code="closed")
        sequence = self.next_sequence()
        name = {BIND_TRANSMITTER: "bind", BIND_TRANSCEIVER: "bind"}.get(command_id, "")
        deadline = time.monotonic() + timeout
        try:
            self._write([pack(command_id, sequence, body)])
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TransportError(
                        _("No %(what)s response from %(where)s within %(s).0f s (timeout).")
                        % {
                            "what": name or "SMSC",
                            "where": f"{self.host}:{self.port}",
                            "s": timeout,
                        },
                        permanent=False,
                        code="timeout",
                    )
                for cid, status, seq, rbody in self.conn.read(left):
                    if seq == sequence and cid in (command_id | RESPONSE, GENERIC_NACK):
                        return status, rbody
                    self._incoming(cid, status, seq, rbody)
                if self._replies:
                    self._write([])
                if self._unbound_at is not None:
                    raise ConnectionLost(_("the SMSC unbound"))
        except ConnectionLost as exc:
            self.drop()
            raise TransportError(
                _("Connection to %(where)s lost: %(reason)s.")
                % {"where": f"{self.host}:{self.port}", "reason": exc},
                permanent=False,
                code="connection_lost",
            ) from exc

    def enquire_link(self, timeout: float | None = None) -> None:
        status, _body = self.call(ENQUIRE_LINK, b"", timeout or self.response_timeout)
        if status != ESME_ROK:
            raise status_error(status)

    def close(self, timeout: float = 2.0) -> None:
        """Unbind politely (waiting briefly for unbind_resp) and close the socket."""
        if self.conn is None:
            return
        try:
            self.call(UNBIND, b"", timeout)
        except TransportError:
            pass
        self.drop()

    def drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None
        self._enquire = None
        self._unbound_at = None
        self._replies.clear()

    def _lose(self, reason: object) -> None:
        log.warning("SMPP connection to %s:%s lost: %s", self.host, self.port, reason)
        self.drop()
        self._lost_at = time.monotonic()

    def _ensure_connected(self) -> None:
        if self._lost_at is not None:
            time.sleep(max(0.0, self._lost_at + self.reconnect_delay - time.monotonic()))
            self.reconnects += 1
        try:
            self.connect()
        except TransportError:
            self._lost_at = time.monotonic()  # the next attempt waits the delay again
            raise

    # What the SMSC sends on its own ------------------------------------------------------------

    def _write(self, chunks: list[bytes]) -> None:
        if self._replies:
            chunks = self._replies + chunks
            self._replies = []
        self.conn.write(b"".join(chunks))
        self._last_write = time.monotonic()

    def _incoming(self, command_id: int, status: int, sequence: int, body: bytes) -> None:
        if command_id == DELIVER_SM:
            self._replies.append(pack(DELIVER_SM_RESP, sequence, b"\0"))
            self._deliver_sm(body)
        elif command_id == ENQUIRE_LINK:
            self._replies.append(pack(ENQUIRE_LINK_RESP, sequence))
        elif command_id == ENQUIRE_LINK_RESP:
            if self._enquire and self._enquire[0] == sequence:
                self._enquire = None
        elif command_id == UNBIND:
            # Answer and stop sending; responses still in the stream are read before the link is
            # treated as lost (so answered parts are not sent twice), then the caller rebinds.
            self._replies.append(pack(UNBIND_RESP, sequence))
            self._unbound_at = time.monotonic()
        elif not command_id & RESPONSE:
            self._replies.append(pack(GENERIC_NACK, sequence, status=ESME_RINVCMDID))

    def _deliver_sm(self, body: bytes) -> None:
        try:
            sm = ShortMessage.decode(body)
        except ValueError:
            log.warning("undecodable deliver_sm from %s:%s", self.host, self.port)
            return
        if sm.esm_class & ESM_TYPE_MASK in (0x04, 0x08, 0x10, 0x20):  # receipt / notification
            receipt = receipts.from_deliver_sm(sm)
            if self.on_receipt is not None:
                self.on_receipt(receipt)
        else:
            log.info("ignoring mobile-originated message from %s", sm.source_addr)

    def _keepalive(self, now: float) -> None:
        """enquire_link when quiet for the interval; a link that does not answer is dead."""
        if self._enquire is not None:
            if now - self._enquire[1] > self.response_timeout:
                raise ConnectionLost(_("no enquire_link_resp within the response timeout"))
        elif now - self._last_write >= self.enquire_interval:
            sequence = self.next_sequence()
            self._enquire = (sequence, now)
            self._write([pack(ENQUIRE_LINK, sequence)])

    def poll(self, seconds: float) -> None:
        """Stay on the bind for `seconds`: read receipts, answer the SMSC, keep the link alive."""
        deadline = time.monotonic() + seconds
        while (now := time.monotonic()) < deadline:
            if self.conn is None:
                if self._lost_at and self._lost_at + self.reconnect_delay > deadline:
                    return
                try:
                    self._ensure_connected()
                except TransportError as exc:
                    if exc.permanent:
                        return
                    continue
            try:
                self._keepalive(now)
                if self._replies:
                    self._write([])
                wait = min(deadline - now, self.enquire_interval)
                for pdu in self.conn.read(max(0.0, wait)):
                    self._incoming(*pdu)
                if self._replies:
                    self._write([])
                if self._unbound_at is not None:
                    raise ConnectionLost(_("the SMSC unbound"))
            except ConnectionLost as exc:
                self._lose(exc)

    # Sending ------------------------------------------------------------------------------------

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
            if now >= pause_until and self._unbound_at is None:
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
                if can_send and now >= pause_until and (not rate or tokens >= 1.0):
                    wait = 0.0
                else:
                    wait = self.enquire_interval
                    if inflight:
                        oldest = next(iter(inflight.values()))[3]
                        wait = min(wait, oldest + self.response_timeout - now)
                    if can_send:
                        wait = min(
                            wait, max(pause_until - now, (1.0 - tokens) / rate if rate else 0)
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
