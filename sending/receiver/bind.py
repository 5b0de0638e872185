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
from ..transports.smpp.connection import ConnectionLost
from ..transports.smpp.errors import ESME_RINVCMDID, ESME_ROK, status_error
from ..transports.smpp.link import Link

log = logging.getLogger(__name__)

UNBIND_RESP = UNBIND | RESPONSE

# store(bodies) -> command_status per deliver_sm body (0 = stored); raising leaves them unanswered.
Store = Callable[[list[bytes]], list[int]]


class ReceiverBind(Link):
    def __init__(self, profile, store: Store):
        super().__init__(profile)
        self.store = store
        self.command = (
            "bind_transceiver"
            if profile.bind_mode == choices.BindMode.TRANSCEIVER
            else "bind_receiver"
        )
        self.received = 0
        self._early: list = []

    @property
    def mode(self) -> str:
        return self.command.removeprefix("bind_")

    def connect(self) -> None:
        """Connect and bind; TransportError (permanent for a refused bind) on failure."""
        timeout = float(self.profile.bind_timeout)
        self._open(timeout)
        sequence = self.next_sequence()
        self._write([codec.encode(self.command, sequence, **self._bind_fields())])
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
                    self._enquire_answered(sequence)
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
                self._write(replies)
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
        sequence = self.next_sequence()
        try:
            self._write([codec.encode("unbind", sequence)])
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                pdus = self.conn.read(deadline - time.monotonic())
                if any(c == UNBIND_RESP and s == sequence for c, _st, s, _b in pdus):
                    break
        except ConnectionLost:
            pass
        self.drop()
