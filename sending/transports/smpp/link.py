"""What every bind to an SMSC does on its socket, whatever it is for (a sending Session, the
receiver's ReceiverBind): the connection and the bind request's fields, sequence numbers,
enquire_link when the link has been quiet, and the error a lost link becomes."""

from __future__ import annotations

import time

from django.utils.translation import gettext as _

from ..base import TransportError
from . import codec
from .connection import Connection, ConnectionLost, open_socket


class Link:
    def __init__(self, profile):
        self.profile = profile
        self.host, self.port = profile.host, int(profile.port or 2775)
        self.enquire_interval = float(profile.enquire_link_interval)
        self.response_timeout = float(profile.response_timeout)
        self.conn: Connection | None = None
        self._sequence = 0
        self._last_write = 0.0
        self._enquire: tuple[int, float] | None = None  # our unanswered enquire_link

    def next_sequence(self) -> int:
        self._sequence = self._sequence % 0x7FFFFFFF + 1
        return self._sequence

    def _open(self, timeout: float) -> None:
        p = self.profile
        sock = open_socket(
            self.host, self.port, timeout, use_tls=p.use_tls, verify_tls=p.verify_tls
        )
        self.conn = Connection(sock, write_timeout=self.response_timeout)

    def _bind_fields(self) -> dict:
        """The bind request's fields (bind_transmitter, _receiver and _transceiver alike)."""
        p = self.profile
        return {
            "system_id": p.username,
            "password": p.password,
            "system_type": p.system_type,
            "interface_version": p.interface_version,
            "addr_ton": p.bind_ton,
            "addr_npi": p.bind_npi,
            "address_range": p.address_range,
        }

    def _write(self, chunks: list[bytes]) -> None:
        self.conn.write(b"".join(chunks))
        self._last_write = time.monotonic()

    def _keepalive(self, now: float) -> None:
        """enquire_link when quiet for the interval; a link that does not answer is dead."""
        if self._enquire is not None:
            if now - self._enquire[1] > self.response_timeout:
                raise ConnectionLost(_("no enquire_link_resp within the response timeout"))
        elif now - self._last_write >= self.enquire_interval:
            sequence = self.next_sequence()
            self._enquire = (sequence, now)
            self._write([codec.encode("enquire_link", sequence)])

    def _enquire_answered(self, sequence: int) -> None:
        if self._enquire and self._enquire[0] == sequence:
            self._enquire = None

    def drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None
        self._enquire = None

    def _lost(self, exc: Exception) -> TransportError:
        return TransportError(
            _("Connection to %(where)s lost: %(reason)s.")
            % {"where": f"{self.host}:{self.port}", "reason": exc},
            permanent=False,
            code="connection_lost",
        )
