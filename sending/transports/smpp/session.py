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
from collections.abc import Callable

from django.utils.translation import gettext as _

from profiles import choices

from ..base import Receipt, TransportError
from . import receipts
from .codec import (
    BIND_TRANSCEIVER,
    BIND_TRANSMITTER,
    DELIVER_SM,
    DELIVER_SM_RESP,
    ENQUIRE_LINK,
    ENQUIRE_LINK_RESP,
    ESM_TYPE_MASK,
    GENERIC_NACK,
    RESPONSE,
    UNBIND,
    UNBIND_RESP,
    ShortMessage,
    bind_body,
    pack,
)
from .connection import Connection, ConnectionLost, open_socket
from .errors import ESME_ROK, status_error
from .window import Job, WindowedSending  # noqa: F401  (Job is part of this module's API)

log = logging.getLogger(__name__)

ESME_RINVCMDID = 0x03


class Session(WindowedSending):
    def __init__(self, profile, on_receipt: Callable[[Receipt], None] | None = None):
        self.host, self.port = profile.host, int(profile.port or 2775)
        self.profile = profile
        self.window = max(1, int(profile.effective_window))
        self.throughput = float(profile.throughput or 0)
        self.limiter = None  # a cap shared by all workers (replaces self.throughput when set)
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
        self.conn = Connection(sock, write_timeout=self.response_timeout)
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
                    time.sleep(0.05)  # even with no reconnect delay, never spin
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
