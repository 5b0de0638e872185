"""Test connection for a Web URL profile: does the gateway's host answer HTTP?

Nothing is sent: the check resolves the host, opens a TCP connection, completes the TLS handshake
for https, then sends a HEAD request to the URL's base (no query string, so no message and no
password). Any HTTP answer, even 404 or 405, proves the host answers. Each step is bounded by a
few seconds so the admin gets its answer quickly.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from urllib.parse import urlsplit, urlunsplit

import requests
from django.utils.translation import gettext as _

from sending.transports.base import ConnectionReport, TransportError

STEP_TIMEOUT = 5.0


def describe_os_error(exc: BaseException) -> str:
    """A short readable cause for a network failure, found anywhere in the exception chain."""
    seen: set[int] = set()
    queue: list[BaseException] = [exc]
    while queue:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return _("DNS lookup failed (%(error)s)") % {"error": current.strerror or current}
        if isinstance(current, ConnectionRefusedError):
            return _("connection refused")
        if isinstance(current, ConnectionResetError):
            return _("connection reset by the server")
        if isinstance(current, ssl.SSLCertVerificationError):
            return _("certificate verify failed: %(error)s") % {
                "error": current.verify_message or current.reason
            }
        if isinstance(current, ssl.SSLError):
            return _("TLS handshake failed: %(error)s") % {"error": current.reason or current}
        if isinstance(current, http.client.RemoteDisconnected):
            return _("the server closed the connection without answering")
        if isinstance(current, socket.timeout | TimeoutError):
            return _("timed out")
        queue += [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
        queue += [
            e
            for e in (getattr(current, "reason", None), current.__cause__, current.__context__)
            if isinstance(e, BaseException)
        ]
    return type(exc).__name__


def base_url(template: str) -> str:
    """scheme://host:port/path of the URL template, without user info, query or placeholders."""
    parts = urlsplit(template)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    path = parts.path if "{" not in parts.path else "/"
    return urlunsplit((parts.scheme, netloc, path or "/", "", ""))


def _failed(message: str) -> TransportError:
    return TransportError(message, permanent=False, code="connection")


def check(profile) -> ConnectionReport:
    report = ConnectionReport()
    url = base_url(profile.url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = 0
    timeout = min(STEP_TIMEOUT, float(profile.request_timeout))
    where = f"{host}:{port}"

    def resolve():
        if not host or not port:
            raise TransportError(_("The URL has no valid host and port."), permanent=True)
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise _failed(describe_os_error(exc)) from None
        return ", ".join(sorted({info[4][0] for info in found}))

    sock: list[socket.socket] = []

    def connect():
        try:
            sock.append(socket.create_connection((host, port), timeout=timeout))
        except OSError as exc:
            raise _failed(
                _("Could not connect to %(where)s: %(error)s")
                % {"where": where, "error": describe_os_error(exc)}
            ) from None

    def handshake():
        context = ssl.create_default_context()
        if not profile.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            with context.wrap_socket(sock[0], server_hostname=host) as tls:
                return tls.version()
        except (OSError, ssl.SSLError) as exc:
            raise _failed(describe_os_error(exc)) from None

    def request():
        try:
            response = requests.head(
                url, timeout=timeout, verify=profile.verify_tls, allow_redirects=False
            )
        except requests.Timeout:
            raise _failed(
                _("%(where)s accepted the connection but did not answer within %(seconds)s s")
                % {"where": where, "seconds": timeout}
            ) from None
        except requests.RequestException as exc:
            raise _failed(describe_os_error(exc)) from None
        server = response.headers.get("Server", "")
        answer = _("HTTP %(status)s from %(url)s") % {"status": response.status_code, "url": url}
        return f"{answer} ({server})" if server else answer

    try:
        if not report.timed(_("Resolve %(host)s") % {"host": host or "?"}, resolve):
            return report
        if not report.timed(_("Connect to %(where)s") % {"where": where}, connect):
            return report
        if parts.scheme == "https" and not report.timed(_("TLS handshake"), handshake):
            return report
    finally:
        for opened in sock:
            opened.close()
    report.timed(_("HTTP request"), request)
    return report
