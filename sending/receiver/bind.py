"""One receiving bind (bind_receiver or bind_transceiver) driven by one thread.

It reads what the SMSC sends, hands every deliver_sm of one read to `store` (which writes them
in one transaction) and only then writes the deliver_sm_resp: a receiver that dies before
answering leaves the SMSC holding the deliver_sm, which it sends again on the next bind. A
deliver_sm is never answered before its row exists.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.utils.translation import gettext as _

from profiles import choices

from ..transports.base import TransportError
from ..transports.smpp import codec
from ..transports.smpp.codec import (
    DELIVER_SM,
    ENQUIRE_LINK,
    ENQUIRE_LINK_RESP,
    GENERIC_NACK,
    RESPONSE,
    UNBIND,
)
from ..transports.smpp.connection import Connection, ConnectionLost, open_socket
from ..transports.smpp.errors import ESME_RINVCMDID, ESME_ROK, status_error

log = logging.getLogger(__name__)

UNBIND_RESP = UNBIND | RESPONSE

# store(bodies) -> command_status per deliver_sm body (0 = stored); raising leaves them unanswered.
Store = Callable[[list[bytes]], list[int]]


class ReceiverBind:
    def __init__(self, profile, store: Store):
        self.profile = profile
        self.store = store
        self.host, self.port = profile.host, int(profile.port or 2775)
        self.enquire_interval = float(profile.enquire_link_interval)
        self.response_timeout = float(profile.response_timeout)
        self.command = (
            "bind_transceiver"
            if profile.bind_mode == choices.BindMode.TRANSCEIVER
            else "bind_receiver"
        )
        self.conn: Connection | None = None
        self.received = 0
        self._sequence = 0
        self._last_write = 0.0
        self._enquire: tuple[int, float] | None = None
        self._early: list = []

    @property
    def mode(self) -> str:
        return self.command.removeprefix("bind_")

    def _next(self) -> int:
        self._sequence = self._sequence % 0x7FFFFFFF + 1
        return self._sequence

    def connect(self) -> None:
        """Connect and bind; TransportError (permanent for a refused bind) on failure."""
        p = self.profile
        timeout = float(p.bind_timeout)
        sock = open_socket(
            self.host, self.port, timeout, use_tls=p.use_tls, verify_tls=p.verify_tls
        )
        self.conn = Connection(sock, write_timeout=self.response_timeout)
        sequence = self._next()
        self._write(
            codec.encode(
                self.command,
                sequence,
                system_id=p.username,
                password=p.password,
                system_type=p.system_type,
                interface_version=p.interface_version,
                addr_ton=p.bind_ton,
                addr_npi=p.bind_npi,
                address_range=p.address_range,
            )
        )
        expected = (RESPONSE | codec.command_id(self.command), GENERIC_NACK)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                pdus = self.conn.read(deadline - time.monotonic())
                for position, (command_id, status, seq, _body) in enumerate(pdus):
                    if seq == sequence and command_id in expected:
                        # Only the status matters here (a refusal need not carry a valid body).
                        if status != ESME_ROK:
                            raise status_error(status, bind=True)
                        # What came in the same read (the SMSC's first deliver_sm) is served
                        # next; dropping it would leave it unanswered until the next bind.
                        self._early = pdus[position + 1 :]
                        return
        except ConnectionLost as exc:
            self.drop()
            raise self._lost(exc) from exc
        except TransportError:
            self.drop()
            raise
        self.drop()
        raise TransportError(
            _("No bind response from %(where)s within %(s).0f s (timeout).")
            % {"where": f"{self.host}:{self.port}", "s": timeout},
            permanent=False,
            code="timeout",
        )

    def serve(self, seconds: float) -> None:
        """Read and answer for up to `seconds`; TransportError when the link is lost."""
        try:
            self._keepalive(time.monotonic())
            pdus, self._early = self._early, []
            pdus = pdus or self.conn.read(max(0.0, min(seconds, self.enquire_interval)))
            replies, deliveries = [], []
            unbound = False
            for command_id, _status, sequence, body in pdus:
                if command_id == DELIVER_SM:
                    deliveries.append((sequence, body))
                elif command_id == ENQUIRE_LINK:
                    replies.append(codec.encode("enquire_link_resp", sequence))
                elif command_id == ENQUIRE_LINK_RESP:
                    if self._enquire and self._enquire[0] == sequence:
                        self._enquire = None
                elif command_id == UNBIND:
                    replies.append(codec.encode("unbind_resp", sequence))
                    unbound = True
                elif not command_id & RESPONSE:
                    replies.append(codec.encode("generic_nack", sequence, ESME_RINVCMDID))
            if deliveries:
                # The rows first; an exception here leaves every deliver_sm of the read unanswered.
                statuses = self.store([body for _seq, body in deliveries])
                replies += [
                    codec.encode("deliver_sm_resp", seq, status)
                    for (seq, _body), status in zip(deliveries, statuses, strict=True)
                ]
                self.received += len(deliveries)
            if replies:
                self._write(b"".join(replies))
            if unbound:
                raise ConnectionLost(_("the SMSC unbound"))
        except ConnectionLost as exc:
            self.drop()
            raise self._lost(exc) from exc

    def close(self, timeout: float = 2.0) -> None:
        """Unbind politely; a deliver_sm arriving meanwhile is left unanswered (the SMSC sends it
        again on the next bind)."""
        if self.conn is None:
            return
        sequence = self._next()
        try:
            self._write(codec.encode("unbind", sequence))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                pdus = self.conn.read(deadline - time.monotonic())
                if any(c == UNBIND_RESP and s == sequence for c, _st, s, _b in pdus):
                    break
        except ConnectionLost:
            pass
        self.drop()

    def drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None
        self._enquire = None

    def _write(self, data: bytes) -> None:
        self.conn.write(data)
        self._last_write = time.monotonic()

    def _keepalive(self, now: float) -> None:
        """enquire_link when quiet for the interval; a link that does not answer is dead."""
        if self._enquire is not None:
            if now - self._enquire[1] > self.response_timeout:
                raise ConnectionLost(_("no enquire_link_resp within the response timeout"))
        elif now - self._last_write >= self.enquire_interval:
            sequence = self._next()
            self._enquire = (sequence, now)
            self._write(codec.encode("enquire_link", sequence))

    def _lost(self, exc: Exception) -> TransportError:
        return TransportError(
            _("Connection to %(where)s lost: %(reason)s.")
            % {"where": f"{self.host}:{self.port}", "reason": exc},
            permanent=False,
            code="connection_lost",
        )
