"""One TCP (optionally TLS) connection to an SMSC: connect, batched writes, framed reads.

Non-blocking underneath, so one thread can interleave writing submit_sm with reading responses
and never block on a full send buffer while the SMSC waits for us to read.
"""

from __future__ import annotations

import select
import socket
import ssl
import time

from django.utils.translation import gettext as _

from ..base import TransportError
from .codec import split_stream


class ConnectionLost(Exception):
    """The SMSC closed the connection or the network failed; `reason` says which."""


def open_socket(
    host: str, port: int, timeout: float, *, use_tls: bool = False, verify_tls: bool = True
) -> socket.socket:
    """Connect, raising TransportError with a reason an admin can act on."""
    where = f"{host}:{port}"
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except ConnectionRefusedError as exc:
        raise TransportError(
            _("Connection refused by %(where)s: nothing listens there, or a firewall refuses.")
            % {"where": where},
            permanent=False,
            code="refused",
        ) from exc
    except TimeoutError as exc:
        raise TransportError(
            _("No answer from %(where)s within %(s).0f s (timeout).")
            % {"where": where, "s": timeout},
            permanent=False,
            code="timeout",
        ) from exc
    except socket.gaierror as exc:
        raise TransportError(
            _("Host %(host)s not found (%(error)s).") % {"host": host, "error": exc.strerror},
            permanent=False,
            code="dns",
        ) from exc
    except OSError as exc:
        raise TransportError(
            _("Cannot connect to %(where)s: %(error)s.")
            % {"where": where, "error": exc.strerror or exc},
            permanent=False,
            code="network",
        ) from exc
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if use_tls:
        context = ssl.create_default_context()
        if not verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            sock = context.wrap_socket(sock, server_hostname=host)
        except (ssl.SSLError, OSError) as exc:
            sock.close()
            if isinstance(exc, ssl.SSLCertVerificationError):
                error = _("certificate verify failed (%(why)s)") % {"why": exc.verify_message}
            else:
                error = getattr(exc, "reason", None) or str(exc) or exc.__class__.__name__
            raise TransportError(
                _("TLS error with %(where)s: %(error)s.") % {"where": where, "error": error},
                permanent=isinstance(exc, ssl.SSLCertVerificationError),
                code="tls",
            ) from exc
    sock.setblocking(False)
    return sock


class Connection:
    def __init__(self, sock: socket.socket, write_timeout: float = 60.0):
        self.sock = sock
        self.write_timeout = write_timeout
        self.buffer = bytearray()
        self.closed = False
        self.lost: str | None = None  # why the stream ended; PDUs before that are still read

    def write(self, data: bytes) -> None:
        """Write everything; while the socket is full, keep reading so the SMSC is not stuck."""
        view = memoryview(data)
        sock = self.sock
        deadline = None
        while view:
            try:
                sent = sock.send(view)
            except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                now = time.monotonic()
                deadline = deadline or now + self.write_timeout
                if now > deadline:
                    self.closed = True
                    raise ConnectionLost(_("the SMSC stopped reading")) from None
                readable, _w, _x = select.select([sock], [sock], [], 1.0)
                if readable:
                    self._receive()
                continue
            except OSError as exc:
                self.closed = True
                raise ConnectionLost(str(exc)) from exc
            view = view[sent:]

    def read(self, timeout: float) -> list[tuple[int, int, int, bytes]]:
        """Complete PDUs available now, waiting up to `timeout` seconds for the first bytes."""
        try:
            pdus = split_stream(self.buffer)
            if pdus:
                return pdus
            if self.lost is None:
                if timeout > 0 and not self._pending():
                    readable, _w, _x = select.select([self.sock], [], [], timeout)
                    if not readable:
                        return []
                self._receive()
                pdus = split_stream(self.buffer)
        except ValueError as exc:
            self.lost = str(exc)
            pdus = []
        if not pdus and self.lost is not None:
            self.closed = True
            raise ConnectionLost(self.lost)
        return pdus

    def _pending(self) -> bool:
        pending = getattr(self.sock, "pending", None)
        return bool(pending and pending())

    def _receive(self) -> None:
        while True:
            try:
                data = self.sock.recv(262144)
            except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                return
            except OSError as exc:
                self.lost = str(exc) or exc.__class__.__name__
                return
            if not data:
                self.lost = _("the SMSC closed the connection")
                return
            self.buffer += data
            if len(data) < 262144 and not self._pending():
                return

    def close(self) -> None:
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass
