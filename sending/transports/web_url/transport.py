"""Web URL transport: one HTTP request per message to a gateway such as Kannel or Jasmin.

Placeholders (profiles.validators.URL_PLACEHOLDERS: {to} {from} {text} {username} {password} and
the encoding-dependent {coding} {data_coding} {text_ucs2_hex} {content_param} {content}) may
appear in the URL, in the extra parameters and in header values. Extra parameters go in the
query string (GET, or body type "query"), a form body or a JSON body. A POST whose templates never
place the text ({text}, {content}, {text_ucs2_hex}) sends the text itself as a text/plain body,
which is how Kannel's sendsms takes a POST (parameters in X-Kannel-* headers).

The gateway splits long texts itself, so the whole rendered text goes in one request. Sessions
(and their connection pools) live for the whole worker process, one per profile, so keep-alive
connections are reused across tasks; a semaphore per profile caps the requests in flight.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from urllib.parse import quote, quote_plus, urlencode, urlsplit

import requests
from django.utils.translation import gettext as _

from profiles.choices import BodyType, HttpMethod
from profiles.message import segments
from profiles.validators import URL_PLACEHOLDERS
from sending import scrubbing

from ... import web_receipts
from ..base import ConnectionReport, OutgoingMessage, SendResult, Transport, TransportError
from . import check as http_check
from .outcomes import Patterns
from .pool import semaphore_for, session_for

logger = logging.getLogger(__name__)

PLACEHOLDER = re.compile(r"\{(" + "|".join(URL_PLACEHOLDERS) + r")\}")
# Templates holding one of these carry the text; a POST without them sends it as the body.
TEXT_PLACEHOLDERS = ("{text}", "{content}", "{text_ucs2_hex}")
BODY_SAMPLE = 120  # characters of the response body quoted in an error reason


def render_url(template: str, values: dict[str, str]) -> str:
    """Fill the URL template, encoding each value for where it stands.

    Before the "?" (user info, path) a value is one path segment: everything but unreserved
    characters is percent-encoded, "/" included, spaces as %20. In the query it is form-encoded
    (spaces as "+", "+" as %2B, "&" and "=" escaped) like a browser would send it.
    """
    query_at = template.find("?")

    def fill(match: re.Match) -> str:
        value = values[match.group(1)]
        if query_at != -1 and match.start() > query_at:
            return quote_plus(value, safe="")
        return quote(value, safe="")

    return PLACEHOLDER.sub(fill, template)


def render_params(params: dict, values: dict[str, str]) -> dict:
    """Extra parameters with placeholders replaced by raw values (encoded later, or JSON)."""
    return {
        str(name): PLACEHOLDER.sub(lambda m: values[m.group(1)], value)
        if isinstance(value, str)
        else value
        for name, value in (params or {}).items()
    }


class WebUrlTransport(Transport):
    def open(self) -> None:
        self._patterns = Patterns(self.profile)
        self._session = session_for(self.profile)
        self._slots = semaphore_for(self.profile)
        # Decrypted once per session, kept in memory only.
        self._password = self.profile.password
        self._headers = self.profile.header_items()
        self._text_placed = _uses_text(self.profile, self._headers)
        templates = [self.profile.url, *map(str, (self.profile.extra_params or {}).values())]
        self._wants_receipt_url = any("receipt_url}" in t for t in templates)
        self._token = self.profile.ensure_receipt_token() if self._wants_receipt_url else ""
        self._secrets = self._secret_values()

    def close(self) -> None:
        # The session stays pooled for the next task of this process; see pool.close_sessions().
        pass

    def _secret_values(self) -> list[str]:
        secrets = [self._password, self._token]
        headers = {h["name"].lower() for h in self.profile.headers if h.get("secret")}
        return secrets + [v for name, v in self._headers if name.lower() in headers]

    def scrub(self, text: str) -> str:
        """The text with every form of every secret replaced by *** (sending/scrubbing.py)."""
        return scrubbing.scrub(text, self._secrets)

    def build_request(self, message: OutgoingMessage) -> dict:
        """The keyword arguments of Session.request() for one message."""
        profile = self.profile
        values = placeholder_values(message, message.plan_for(profile).encoding)
        values |= {"username": profile.username, "password": self._password}
        if self._wants_receipt_url:
            receipt_url = web_receipts.callback_url(profile, message.reference, self._token)
            values |= {
                "receipt_url": receipt_url,
                "kannel_receipt_url": receipt_url + web_receipts.KANNEL_ESCAPES,
            }
        else:
            values |= {"receipt_url": "", "kannel_receipt_url": ""}
        url = render_url(profile.url, values)
        params = render_params(profile.extra_params, values)
        request = {
            "method": profile.http_method,
            "url": url,
            # Header values may use placeholders too (Kannel's POST takes X-Kannel-To etc.).
            "headers": render_params(dict(self._headers), values),
            "timeout": (min(profile.request_timeout, 10), profile.request_timeout),
            "verify": profile.verify_tls,
            "allow_redirects": False,
        }
        body_type = profile.body_type
        if profile.http_method == HttpMethod.GET or body_type == BodyType.QUERY:
            # A GET carries no body; its extra parameters join the URL's query string.
            if params:
                joiner = "&" if "?" in url else "?"
                request["url"] = url + joiner + urlencode(params)
            if profile.http_method == HttpMethod.POST and not self._text_placed:
                # The text has no other place: it is the body, as Kannel's sendsms POST wants.
                request["data"] = message.text.encode()
                request["headers"].setdefault("Content-Type", "text/plain; charset=utf-8")
        elif body_type == BodyType.JSON:
            request["json"] = params
        else:
            request["data"] = params
        return request

    def send(self, message: OutgoingMessage) -> SendResult:
        request = self.build_request(message)
        plan = message.plan_for(self.profile)
        with self._slots:
            if self.limiter is not None:
                self.limiter.acquire(max(plan.part_count, 1))  # the gateway counts parts
            try:
                response = self._session.request(**request)
                body = response.text
            except requests.Timeout as exc:
                raise TransportError(
                    _("Timeout: no answer from %(host)s within %(seconds)s s")
                    % {"host": _host(request["url"]), "seconds": self.profile.request_timeout},
                    permanent=False,
                    code="timeout",
                    # The request went out (only the answer is missing): the gateway may have it.
                    possibly_sent=not isinstance(exc, requests.ConnectTimeout),
                ) from None
            except requests.RequestException as exc:
                raise self._request_error(exc, request["url"]) from None
            except UnicodeEncodeError:
                raise TransportError(
                    _("A header value holds characters HTTP headers cannot carry (Latin-1 only)."),
                    permanent=True,
                    code="request",
                ) from None
        outcome = self._patterns.outcome(response.status_code, body)
        if outcome != "success":
            sample = " ".join(body.split())[:BODY_SAMPLE]
            raise TransportError(
                self.scrub(f"HTTP {response.status_code}: {sample}".rstrip(": ")),
                permanent=outcome == "permanent",
                code=str(response.status_code),
                retry_after=_retry_after(response),
            )
        provider_id = self.scrub(self._patterns.provider_id(response.status_code, body))
        return SendResult(
            provider_ids=[provider_id] if provider_id else [],
            encoding=plan.encoding,
            parts=max(plan.part_count, 1),
        )

    def _request_error(self, exc: requests.RequestException, url: str) -> TransportError:
        host = _host(url)
        if isinstance(exc, requests.exceptions.SSLError):
            reason, code = _("TLS error talking to %(host)s: %(error)s"), "tls"
        elif isinstance(exc, requests.ConnectionError):
            reason, code = _("Connection to %(host)s failed: %(error)s"), "connection"
        else:
            return TransportError(
                self.scrub(_("Invalid request: %(error)s") % {"error": exc}),
                permanent=True,
                code="request",
            )
        detail = http_check.describe_os_error(exc)
        return TransportError(
            self.scrub(reason % {"host": host, "error": detail}), permanent=False, code=code
        )

    def send_many(
        self, messages: Iterable[OutgoingMessage]
    ) -> Iterator[tuple[OutgoingMessage, SendResult | TransportError]]:
        """Pipeline up to `concurrency` requests; yields each message once, in completion order."""
        workers = max(self.profile.concurrency, 1)
        if workers == 1:
            yield from super().send_many(messages)
            return
        with ThreadPoolExecutor(workers, thread_name_prefix="web-url") as pool:
            pending: dict = {}
            source = iter(messages)
            exhausted = False
            while pending or not exhausted:
                while not exhausted and len(pending) < 2 * workers:
                    message = next(source, None)
                    if message is None:
                        exhausted = True
                    else:
                        pending[pool.submit(self._send_or_error, message)] = message
                if not pending:
                    break
                done, _waiting = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield pending.pop(future), future.result()

    def _send_or_error(self, message: OutgoingMessage) -> SendResult | TransportError:
        try:
            return self.send(message)
        except TransportError as exc:
            return exc
        except Exception as exc:  # a bug must not lose the message: report it as failed
            logger.exception("Web URL send failed unexpectedly")
            # Never retried: the request may have gone out before the failure.
            error = TransportError(
                _("Unexpected error (%(type)s): %(error)s")
                % {"type": type(exc).__name__, "error": " ".join(str(exc).split())[:300]},
                permanent=True,
                code="error",
            )
            error.reason = self.scrub(error.reason)
            return error

    def check_connection(self) -> ConnectionReport:
        return http_check.check(self.profile)


def placeholder_values(message: OutgoingMessage, encoding: str) -> dict[str, str]:
    """The message's placeholder values (all but {username} and {password})."""
    ucs2 = encoding == segments.UCS2
    text_ucs2_hex = segments.encode(message.text, segments.UCS2).hex().upper()
    return {
        "to": message.to,
        "from": message.sender,
        "text": message.text,
        # Kannel's numbering; with coding=0 it turns every non-GSM character into "?".
        "coding": "2" if ucs2 else "0",
        "data_coding": str(segments.DATA_CODING[encoding]),
        "text_ucs2_hex": text_ucs2_hex,
        # Jasmin's /send forwards `content` as UTF-8 bytes unless coding=0, which garbles UCS-2;
        # it takes UCS-2 only as `hex-content`, and refuses a request holding both.
        "content_param": "hex-content" if ucs2 else "content",
        "content": text_ucs2_hex if ucs2 else message.text,
    }


def _uses_text(profile, headers: list[tuple[str, str]]) -> bool:
    templates = [profile.url, *map(str, (profile.extra_params or {}).values())]
    templates += [value for _name, value in headers]
    return any(mark in template for template in templates for mark in TEXT_PLACEHOLDERS)


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else "?"


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None
