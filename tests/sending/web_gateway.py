"""A small real HTTP SMS gateway on 127.0.0.1 for the sending tests: it records every request
and answers what the test scripted (by default 200 "OK id=<n>")."""

from __future__ import annotations

import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Gateway:
    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[tuple[int, str]] = []  # scripted answers, used first
        self._ids = itertools.count(1001)
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                query = parse_qs(urlsplit(self.path).query)
                gateway.requests.append({"method": self.command, "query": query, "body": body})
                status, text = gateway.answers.pop(0) if gateway.answers else (200, "")
                text = text or f"OK id={next(gateway._ids):x}"
                payload = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_HEAD = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/send?to={{to}}&from={{from}}&text={{text}}"

    def texts(self) -> list[str]:
        return [r["query"]["text"][0] for r in self.requests if "text" in r["query"]]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def web_url_profile(make_profile, gateway: Gateway, **fields):
    from sending.transports import WEB_URL

    fields.setdefault("message", "Hello {{ customer.first_name }}")
    return make_profile(
        protocol=WEB_URL,
        url=gateway.url,
        host="",
        port=None,
        message_id_regex=r"id=(\w+)",
        **fields,
    )
