"""The Web URL transport's per-process state: one pooled requests.Session and one semaphore per
profile, emptied in a forked child so it never shares the parent's sockets or locks."""

from __future__ import annotations

import logging
import os
import threading

import requests
from requests.adapters import HTTPAdapter

# Per-process caches. A forked worker must not share the parent's pooled sockets or locks,
# so they are emptied in the child after fork (Celery's prefork pool forks after import).
_lock = threading.Lock()
_sessions: dict[tuple, requests.Session] = {}
_semaphores: dict[tuple, threading.BoundedSemaphore] = {}


def _forget_after_fork() -> None:
    global _lock
    _lock = threading.Lock()
    _sessions.clear()
    _semaphores.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def _profile_key(profile) -> tuple:
    # One pool per profile, not per host: two accounts on one gateway must not share cookies.
    return (profile.pk if profile.pk is not None else f"unsaved-{id(profile)}", profile.concurrency)


def session_for(profile) -> requests.Session:
    """The process-wide pooled session for this profile (pool size >= its concurrency)."""
    key = _profile_key(profile)
    with _lock:
        session = _sessions.get(key)
        if session is None:
            for stale in [k for k in _sessions if k[0] == key[0]]:  # concurrency was changed
                _sessions.pop(stale).close()
            session = requests.Session()
            # No automatic retries: a retried POST may deliver an SMS twice.
            adapter = HTTPAdapter(
                pool_connections=4, pool_maxsize=max(profile.concurrency, 1), max_retries=0
            )
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers["User-Agent"] = "smsportal"
            _sessions[key] = session
        return session


def semaphore_for(profile) -> threading.BoundedSemaphore:
    """The profile's limit on requests in flight in this process, shared by every transport."""
    key = _profile_key(profile)
    with _lock:
        if key not in _semaphores:
            for stale in [k for k in _semaphores if k[0] == key[0]]:  # concurrency was changed
                del _semaphores[stale]
            _semaphores[key] = threading.BoundedSemaphore(max(profile.concurrency, 1))
        return _semaphores[key]


def close_sessions() -> None:
    """Close every pooled connection of this process (tests, worker shutdown)."""
    with _lock:
        for session in _sessions.values():
            session.close()
        _sessions.clear()
        _semaphores.clear()


class _QueryRedactingFilter(logging.Filter):
    """urllib3 logs each request line with its URL; the query may carry the password."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                arg.split("?", 1)[0] + "?[redacted]" if isinstance(arg, str) and "?" in arg else arg
                for arg in record.args
            )
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_QueryRedactingFilter())
