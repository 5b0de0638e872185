"""The one scrubber: every log line and every stored error passes through it.

A secret travels in many forms: as typed, URL-encoded for a path (%2F) or a query ("+" for a
space), JSON-escaped, and a host name or a gateway's error text may change its case. `scrub()`
replaces each of these forms, case-insensitively, with "***".

While a profile is in use (a send, a connection check) its secrets are registered for the whole
process (`secrets_in_use`), and a log record factory scrubs every record created meanwhile — in
any thread, from any library, at any level, whatever handler later writes it (the console, a
Celery worker's, pytest's caplog). A process-wide registry rather than a context variable: the Web
URL transport sends from a thread pool and urllib3 logs from those threads.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from urllib.parse import quote, quote_plus

MASK = "***"

_lock = threading.Lock()
_active: Counter[str] = Counter()


def secret_forms(secret: str) -> set[str]:
    """The forms a secret can take in a URL, a body or a message."""
    if not secret:
        return set()
    return {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        secret.encode("unicode_escape").decode("ascii"),
    }


@lru_cache(maxsize=64)
def _pattern(secrets: frozenset[str]) -> re.Pattern | None:
    forms = {form for secret in secrets for form in secret_forms(secret) if form}
    if not forms:
        return None
    alternatives = sorted(forms, key=len, reverse=True)  # the longest form wins
    return re.compile("|".join(map(re.escape, alternatives)), re.IGNORECASE)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every form of every secret replaced by ***."""
    pattern = _pattern(frozenset(s for s in secrets if s))
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)


def profile_secrets(profile, *, strict: bool = False) -> list[str]:
    """The profile's password and secret header values. A secret the keys cannot read is
    skipped (it cannot leak either), or with `strict` raises crypto.SecretUnreadable."""
    from profiles import crypto

    found = []
    try:
        found.append(profile.password)
    except crypto.SecretUnreadable:
        if strict:
            raise
    for header in profile.headers or ():
        if header.get("secret") and header.get("value"):
            try:
                found.append(crypto.decrypt(header["value"]))
            except crypto.SecretUnreadable as exc:
                if strict:
                    raise crypto.SecretUnreadable(str(exc), kind="header") from exc
    return [secret for secret in found if secret]


@contextmanager
def secrets_in_use(secrets: Iterable[str]) -> Iterator[list[str]]:
    """Scrub `secrets` from every log record this process creates until the block ends."""
    held = [secret for secret in secrets if secret]
    with _lock:
        _active.update(held)
    try:
        yield held
    finally:
        with _lock:
            _active.subtract(held)
            for secret in [s for s, count in _active.items() if count <= 0]:
                del _active[secret]


def scrub_active(text: str) -> str:
    with _lock:
        secrets = frozenset(_active)
    return scrub(text, secrets) if secrets else text


def scrub_record(record: logging.LogRecord) -> None:
    """Render the record's message (and traceback) now, scrubbed, in place."""
    with _lock:
        secrets = frozenset(_active)
    if not secrets:
        return
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging reports it later; keep the raw parts
        message = f"{record.msg} {record.args}"
    record.msg, record.args = scrub(message, secrets), None
    if record.exc_info and record.exc_info[0] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        record.exc_text, record.exc_info = scrub(text, secrets), None
    elif record.exc_text:
        record.exc_text = scrub(record.exc_text, secrets)
    if record.stack_info:
        record.stack_info = scrub(record.stack_info, secrets)


_installed = False


def install() -> None:
    """Wrap the log record factory once per process (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        scrub_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
