"""A small real HTTP gateway on 127.0.0.1 for the Web URL tests.

It answers each request with the next scripted reply (status, body, delay, headers), or the
default reply once the script is used up (a body may be a function, called for each answer), or
what its `responder` makes of the request when one is set (tests/peers/jasmin_http.py),
and records every request: method, path, decoded query and form fields, JSON, headers and the
client connection it came on. It also tracks how many requests were being handled at the same
time, so tests can see a concurrency limit hold.
"""

from __future__ import annotations

import itertools
import json
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.peers.tls import self_signed_context


@dataclass
class Reply:
    status: int = 200
    body: str | Callable[[], str] = "OK"
    delay: float = 0.0
    headers: dict = field(default_factory=dict)


@dataclass
class Recorded:
    method: str
    path: str  # as sent, still percent-encoded
    query: dict
    headers: dict
    body: bytes
    client: tuple
    at: float = field(default_factory=time.time)  # when it arrived (epoch seconds)

    @property
    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def params(self) -> dict:
        """Query fields, one value each."""
        return {k: v[0] for k, v in self.query.items()}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is visible
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's
    # delayed ACK (~40 ms) on every kept-alive request.
    disable_nagle_algorithm = True

    def log_message(self, *args):  # quiet
        pass

    def _serve(self):
        gateway: HttpGateway = self.server.gateway
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = gateway._begin(
            Recorded(
                method=self.command,
                path=self.path,
                query=parse_qs(urlsplit(self.path).query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                client=self.client_address,
            )
        )
        try:
            if reply.delay:
                time.sleep(reply.delay)
            data = (reply.body() if callable(reply.body) else reply.body).encode()
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            gateway._end()

    do_GET = do_POST = do_HEAD = do_PUT = _serve


class HttpGateway:
    """tls=True serves https with a self-signed certificate (so verification must fail)."""

    def __init__(self, *, tls: bool = False):
        self.requests: list[Recorded] = []
        self.default = Reply()
        self.responder: Callable[[Recorded], Reply] | None = None
        self._script: list[Reply] = []
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.gateway = self
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        if tls:
            with tempfile.TemporaryDirectory() as directory:
                context = self_signed_context(Path(directory))
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.url = f"https://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> HttpGateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def reply(self, status=200, body="OK", delay=0.0, headers=None) -> None:
        """Set the default reply."""
        self.default = Reply(status, body, delay, headers or {})

    def script(self, *replies: Reply) -> None:
        """Replies for the next requests, in order; then the default again."""
        with self._lock:
            self._script.extend(replies)

    def texts(self) -> list[str]:
        """The `text` query field of each request that had one."""
        return [r.params["text"] for r in self.requests if "text" in r.query]

    @property
    def connections(self) -> set:
        """Distinct client connections (address, port) requests came on."""
        return {r.client for r in self.requests}

    def _begin(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if self._script:
                return self._script.pop(0)
        return self.responder(recorded) if self.responder else self.default

    def _end(self) -> None:
        with self._lock:
            self.in_flight -= 1


def provider_ids(start: int = 1001) -> Callable[[], str]:
    """Bodies "OK id=3e9", "OK id=3ea", …: a new provider message id (hex) in each answer."""
    ids = itertools.count(start)
    return lambda: f"OK id={next(ids):x}"


def web_url_profile(make_profile, gateway: HttpGateway, **fields):
    """A complete Web URL profile sending to the gateway by GET, taking the provider id from
    "id=…" in the answer; the gateway's default answer becomes one with a new id each time."""
    from sending.transports import WEB_URL

    gateway.reply(200, provider_ids())
    return make_profile(
        protocol=WEB_URL,
        url=gateway.url + "/send?to={to}&from={from}&text={text}",
        host="",
        port=None,
        message_id_regex=r"id=(\w+)",
        **fields,
    )


if __name__ == "__main__":
    # A gateway in its own process (for bench/): prints its URL, serves until stdin closes.
    # An optional argument is the delay in seconds before each answer.
    import sys

    with HttpGateway() as gateway:
        gateway.reply(200, "OK", delay=float(sys.argv[1]) if len(sys.argv) > 1 else 0.0)
        print(gateway.url, flush=True)
        sys.stdin.read()
