"""One bind to one SMSC, driven by one thread: window, throughput cap, keep-alive, reconnect.

smpplib leaves all of this to its users and is not thread-safe, so the session owns its socket
and interleaves writing submit_sm with reading whatever the SMSC sends (responses, receipts,
enquire_link, unbind); smpplib encodes and decodes every PDU but the two hot ones (codec.py).
The session owns a `Window` (window.py) that decides which parts go and settles their responses.
There is deliberately no keep-alive thread: a second writer on the socket is a known source of
corrupted streams. enquire_link is sent by the same loop whenever the link has been quiet for the
interval, while sending, while waiting, and in `poll()`.

A delivery receipt is answered only once it is written: the session hands it to its sink (a
ReceiptSink: add, then flush writes), owes the deliver_sm_resp, and answers it ESME_ROK after a
flush that followed: while sending in batches (see ACK_WITHIN), after each read while polling,
and before `run()`/`poll()` return or the session unbinds. A lost connection forgets what it
owed (the SMSC sends those again on the next bind; a repeated receipt changes nothing). Without
a sink, a receipt is answered ESME_RX_T_APPN, as an inbound message is: the SMSC delivers it
again, on a bind that can keep it (the receiver's).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from profiles import choices

from ..base import ReceiptSink, TransportError
from . import codec, receipts
from .codec import (
    DELIVER_SM,
    ENQUIRE_LINK,
    ENQUIRE_LINK_RESP,
    ESM_NOTIFICATIONS,
    ESM_TYPE_MASK,
    GENERIC_NACK,
    RESPONSE,
    UNBIND,
)
from .connection import ConnectionLost
from .errors import ESME_RINVCMDID, ESME_ROK, ESME_RX_T_APPN, status_error
from .link import Link
from .window import Job, Window  # noqa: F401  (Job is part of this module's API)

log = logging.getLogger(__name__)

UNBIND_GRACE = 2.0  # after the SMSC's unbind, wait this long for responses still due
# While sending, receipts are written and answered in batches: once a read brings no new one
# (the SMSC may be waiting for answers), ACK_BATCH are waiting, or the oldest waited ACK_WITHIN.
ACK_WITHIN = 0.25  # seconds
ACK_BATCH = 100


class Session(Link):
    def __init__(self, profile, sink: ReceiptSink | None = None):
        super().__init__(profile)
        self.bind_timeout = float(profile.bind_timeout)
        self.reconnect_delay = float(profile.reconnect_delay)
        self.max_retries = int(profile.max_retries)
        self.retry_map = dict(profile.retry_map or {})
        self.window = Window(
            profile.effective_window,
            profile.throughput,
            max_retries=self.max_retries,
            retry_map=self.retry_map,
            response_timeout=self.response_timeout,
        )
        self.transceiver = profile.bind_mode == choices.BindMode.TRANSCEIVER
        self.sink = sink
        self.smsc_system_id = ""
        self.reconnects = 0
        self._replies: list[bytes] = []
        self._lost_at: float | None = None
        self._unbound_at: float | None = None  # when the SMSC sent unbind
        self._owed: list[int] = []  # deliver_sm of receipts in the sink, not answered yet
        self._owed_since = 0.0

    # Binding ------------------------------------------------------------------------------------

    def connect(self, timeout: float | None = None) -> None:
        """Connect and bind; TransportError (permanent for a refused bind) on failure."""
        timeout = self.bind_timeout if timeout is None else timeout
        self._open(timeout)
        try:
            resp = self.call(
                "bind_transceiver" if self.transceiver else "bind_transmitter",
                timeout,
                **self._bind_fields(),
            )
        except TransportError:
            self.drop()
            raise
        if resp.status != ESME_ROK:
            self.drop()
            raise status_error(resp.status, bind=True)
        self.smsc_system_id = codec.as_text(getattr(resp, "system_id", None))  # not on a nack
        self._lost_at = None

    def call(self, name: str, timeout: float, **fields):
        """Send one request (an smpplib command `name` with `fields`) and wait for its response,
        handling whatever else arrives; the response decoded by smpplib."""
        if self.conn is None:
            raise TransportError(_("Not connected."), permanent=False, code="closed")
        sequence = self.next_sequence()
        request = codec.make(name, sequence, **fields)
        expected = RESPONSE | codec.command_id(name)
        what = "bind" if name.startswith("bind") else ""
        deadline = time.monotonic() + timeout
        try:
            self._write([request.generate()])
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TransportError(
                        _("No %(what)s response from %(where)s within %(s).0f s (timeout).")
                        % {
                            "what": what or "SMSC",
                            "where": f"{self.host}:{self.port}",
                            "s": timeout,
                        },
                        permanent=False,
                        code="timeout",
                    )
                response = None
                for cid, status, seq, rbody in self.conn.read(left):
                    if response is None and seq == sequence and cid in (expected, GENERIC_NACK):
                        response = (cid, status, seq, rbody)
                    else:  # what came with it (a deliver_sm right after bind_resp) is kept too
                        self._incoming(cid, status, seq, rbody)
                if response is not None:
                    return self._response(*response)
                if self._replies:
                    self._write([])
                if self._unbound_at is not None:
                    raise ConnectionLost(_("the SMSC unbound"))
        except ConnectionLost as exc:
            self.drop()
            raise self._lost(exc) from exc

    def _response(self, command_id: int, status: int, sequence: int, body: bytes):
        try:
            return codec.decode(command_id, status, sequence, body)
        except ValueError as exc:
            if status:  # the status is what matters; a refusal need not carry a valid body
                return codec.decode(command_id, status, sequence, b"")
            raise ConnectionLost(str(exc)) from exc

    def enquire_link(self, timeout: float | None = None) -> None:
        resp = self.call("enquire_link", timeout or self.response_timeout)
        if resp.status != ESME_ROK:
            raise status_error(resp.status)

    def close(self, timeout: float = 2.0) -> None:
        """Answer the receipts the sink can write, unbind politely (waiting briefly for
        unbind_resp) and close the socket."""
        if self.conn is None:
            return
        try:
            self.acknowledge_receipts()
        except Exception:
            log.exception("receipts not written before unbinding; the SMSC sends them again")
        try:
            self.call("unbind", timeout)
        except TransportError:
            pass
        self.drop()

    def drop(self) -> None:
        super().drop()
        self._unbound_at = None
        self._replies.clear()
        self._owed.clear()  # the SMSC sends them again on the next bind

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

    # Sending ------------------------------------------------------------------------------------

    def run(self, jobs: Iterable[Job]) -> Iterator[Job]:
        """Send every job's parts within the window; yield each job once, when it is settled.

        Parts are resent only when they got no response: after a lost connection (reconnecting
        after the delay) or after a throttling status (pausing first, longer each time).
        """
        window = self.window
        window.start(jobs)
        failures = 0
        while True:
            yield from window.settled()
            if self.conn is None:
                if window.finished:
                    return  # nothing owed: a lost connection forgot it
                try:
                    self._ensure_connected()
                    failures = 0
                except TransportError as exc:
                    failures += 1
                    if exc.permanent or failures > self.max_retries:
                        yield from window.fail_all(exc)
                        return
                    continue
            now = time.monotonic()
            try:
                out = window.fill(now, self.next_sequence) if self._unbound_at is None else []
                if self._owed and (
                    now - self._owed_since >= ACK_WITHIN or len(self._owed) >= ACK_BATCH
                ):
                    self.acknowledge_receipts()
                if out or self._replies:
                    self._write(out)
                yield from window.settled()
                if window.finished:
                    self.acknowledge_receipts()
                    if self._replies:
                        self._write([])
                    return
                self._keepalive(now)
                owed = len(self._owed)
                for pdu in self.conn.read(self._quiet_for(now)):
                    if not window.settle(*pdu):
                        self._incoming(*pdu)
                if owed and len(self._owed) == owed:
                    # A read brought no new receipt while some wait: the SMSC may be holding
                    # the next ones until these are answered (its window is full).
                    self.acknowledge_receipts()
                    self._write([])
                if self._unbound_at is not None and (
                    not window.inflight or time.monotonic() - self._unbound_at > UNBIND_GRACE
                ):
                    raise ConnectionLost(_("the SMSC unbound"))
                if window.overdue(time.monotonic()):
                    raise ConnectionLost(_("no submit_sm_resp within the response timeout"))
            except ConnectionLost as exc:
                self._lose(exc)
                window.resend_unanswered()

    def _quiet_for(self, now: float) -> float:
        """How long to wait for the SMSC: nothing while more parts may go, else until something
        is due (a response, a throughput token, the end of a pause, a keep-alive)."""
        sending = self._unbound_at is None and self.window.has_work()
        wait = min(self.enquire_interval, self.window.next_due(now, sending))
        if self._owed:
            wait = min(wait, self._owed_since + ACK_WITHIN - now)
        if self._unbound_at is not None:
            wait = min(wait, self._unbound_at + UNBIND_GRACE - now)
        return max(0.0, wait)

    # What the SMSC sends on its own ------------------------------------------------------------

    def _write(self, chunks: list[bytes]) -> None:
        if self._replies:
            chunks = self._replies + chunks
            self._replies = []
        super()._write(chunks)

    def _incoming(self, command_id: int, status: int, sequence: int, body: bytes) -> None:
        if command_id == DELIVER_SM:
            answer = self._deliver_sm(status, sequence, body)
            if answer is not None:
                self._replies.append(codec.encode("deliver_sm_resp", sequence, answer))
        elif command_id == ENQUIRE_LINK:
            self._replies.append(codec.encode("enquire_link_resp", sequence))
        elif command_id == ENQUIRE_LINK_RESP:
            self._enquire_answered(sequence)
        elif command_id == UNBIND:
            # Answer and stop sending; responses still in the stream are read before the link is
            # treated as lost (so answered parts are not sent twice), then the caller rebinds.
            self._replies.append(codec.encode("unbind_resp", sequence))
            self._unbound_at = time.monotonic()
        elif not command_id & RESPONSE:
            self._replies.append(codec.encode("generic_nack", sequence, ESME_RINVCMDID))

    def _deliver_sm(self, status: int, sequence: int, body: bytes) -> int | None:
        """Handle one deliver_sm; returns the command_status to answer it with now, or None for
        a receipt in the sink (answered by acknowledge_receipts once written)."""
        try:
            sm = codec.decode(DELIVER_SM, status, sequence, body)
        except ValueError as exc:
            log.warning("undecodable deliver_sm from %s:%s: %s", self.host, self.port, exc)
            return ESME_ROK
        receipt = (sm.esm_class or 0) & ESM_TYPE_MASK in ESM_NOTIFICATIONS  # or notification
        if receipt and self.sink is not None:
            if not self._owed:
                self._owed_since = time.monotonic()
            self._owed.append(sequence)
            self.sink.add(receipts.from_deliver_sm(sm))
            return None
        # An inbound message is the receiver's to store (sending.receiver answers only once the
        # row is written), and so is a receipt this session has nowhere to write. Answered
        # "temporary error" here, the SMSC delivers it again, on the receiver's bind; answered
        # OK it would be lost.
        log.info(
            "%s from %s left to the receiver (answered ESME_RX_T_APPN)",
            "receipt" if receipt else "inbound message",
            codec.as_text(sm.source_addr),
        )
        return ESME_RX_T_APPN

    def acknowledge_receipts(self) -> None:
        """Have the sink write every receipt it was handed, then answer them ESME_ROK (with the
        next write). If the sink fails they stay unanswered: never answered before written."""
        if not self._owed:
            return
        owed, self._owed = self._owed, []
        try:
            self.sink.flush()
        except BaseException:
            self._owed = owed + self._owed
            raise
        self._replies += [codec.encode("deliver_sm_resp", seq, ESME_ROK) for seq in owed]

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
                    time.sleep(0.05)  # even with no reconnect delay, never spin
                    continue
            try:
                self._keepalive(now)
                self.acknowledge_receipts()  # idle: written and answered as soon as read
                if self._replies:
                    self._write([])
                wait = min(deadline - now, self.enquire_interval)
                for pdu in self.conn.read(max(0.0, wait)):
                    self._incoming(*pdu)
                self.acknowledge_receipts()
                if self._replies:
                    self._write([])
                if self._unbound_at is not None:
                    raise ConnectionLost(_("the SMSC unbound"))
            except ConnectionLost as exc:
                self._lose(exc)
