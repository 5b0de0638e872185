"""One long-lived session per worker process per profile, instead of a bind per task.

Providers punish reconnect storms, so a worker keeps its transport (an SMPP bind, a Web URL
connection pool) open across tasks and batches:

    with session_pool.checkout(profile, sink=queue) as transport:
        for message, outcome in transport.send_many(messages): ...

- Sessions are keyed by profile id and configuration version (profile.updated_at): an edited
  profile gets a new session; the old one is unbound first.
- An SMPP session holds a bind lease (sending.jobs.leases, the profile's "Maximum simultaneous
  binds") while open; a keeper thread renews it. No lease free within `lease_wait` seconds:
  checkout raises a transient TransportError (code "binds_busy") and nothing is opened.
- While idle the keeper thread polls each SMPP session briefly (answering the SMSC, reading
  receipts, sending enquire_link when the link was quiet for the profile's interval). smpplib-
  style sockets take one thread at a time, so the keeper uses a session only while holding its
  lock, and a checkout holds that lock for its whole block: they take turns, never share.
- Idle sessions are closed after SMSPORTAL_SESSION_IDLE_CLOSE seconds, at worker shutdown
  (Celery's worker_process_shutdown / worker_shutdown signals) and at interpreter exit. A forked
  child forgets its parent's sessions without touching them (the sockets are the parent's).
- A session that fails to open is not kept. A lost connection is left to the transport's own
  reconnect while in use; an idle session found disconnected is dropped, not rebound.
- A receipt is answered only once written (sending.transports.smpp.session). During a checkout
  it goes to the caller's sink (a ReceiptQueue), flushed before the block's lock is released;
  while idle, and in a block given no sink, to the entry's own ReceiptQueue, which the keeper
  thread writes (with its own database connection, closed after each pass) before answering.

Consume send_many() to the end inside the block: parts still in flight when the block is left
have their responses ignored later.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Iterator

import redis
from celery import signals
from django.conf import settings
from django.db import close_old_connections
from django.utils.translation import gettext as _

from ..receipt_matching import ReceiptQueue
from ..transports import SMPP, transport_class
from ..transports.base import ReceiptSink, Transport, TransportError
from . import leases
from .throttle import Limiter

log = logging.getLogger(__name__)

POLL = 0.05  # seconds the keeper listens on an idle bind per tick

_pools: weakref.WeakSet[SessionPool] = weakref.WeakSet()


class _Entry:
    def __init__(self, key, version, profile):
        self.key, self.version = key, version
        self.receipts = ReceiptQueue(profile)  # what arrives while no caller's sink is set
        self.lock = threading.Lock()
        self.transport: Transport | None = None
        self.lease: leases.Lease | None = None
        self.closed = False
        self.last_used = time.monotonic()


class SessionPool:
    """The sessions of one worker process. `default_pool()` is the one tasks use."""

    def __init__(
        self,
        *,
        idle_close: float | None = None,
        lease_ttl: float | None = None,
        lease_wait: float = 5.0,
        tick: float = 0.5,
        purpose: str = "send",
    ):
        self.idle_close = float(idle_close or settings.SMSPORTAL_SESSION_IDLE_CLOSE)
        self.lease_ttl = float(lease_ttl or settings.SMSPORTAL_BIND_LEASE_TTL)
        self.lease_wait = lease_wait
        self.tick = tick
        self.purpose = purpose
        self.opened = 0  # sessions opened by this pool (for the tests and the benchmark)
        self._reset()
        _pools.add(self)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict = {}
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None
        self._pid = os.getpid()

    def __len__(self) -> int:
        return len(self._entries)

    @contextlib.contextmanager
    def checkout(self, profile, *, sink: ReceiptSink | None = None) -> Iterator[Transport]:
        """The profile's open transport, for this block only (see the module docstring)."""
        if profile.pk is None:  # nothing to key it by: a session for this block alone
            with _build(profile, sink) as transport:
                yield transport
            return
        entry = self._take(profile)
        transport = entry.transport
        if sink is not None:
            transport.set_sink(sink)
        try:
            yield transport
        except TransportError:
            raise
        except BaseException:
            self._retire(entry)  # a bug or an interruption may have left it mid-exchange
            raise
        finally:
            try:
                if not entry.closed and sink is not None:
                    transport.acknowledge_receipts()  # what the caller's sink holds, written
                    transport.set_sink(entry.receipts)
            except BaseException:
                self._retire(entry)  # unanswered receipts: the SMSC sends them again
                raise
            finally:
                entry.last_used = time.monotonic()
                entry.lock.release()

    def _take(self, profile) -> _Entry:
        """The profile's current entry, opened if need be, with its lock held."""
        version = (profile.protocol, profile.updated_at)
        while True:
            with self._lock:
                if self._pid != os.getpid():
                    self._reset()
                entry = self._entries.get(profile.pk)
                created = entry is None
                if created:
                    entry = self._entries[profile.pk] = _Entry(profile.pk, version, profile)
                    entry.lock.acquire()
                    self._start_keeper()
            if created:
                try:
                    self._open(entry, profile)
                except BaseException:
                    self._forget(entry)
                    entry.lock.release()
                    raise
                return entry
            entry.lock.acquire()
            if entry.closed:
                entry.lock.release()
                continue
            if entry.version != version:  # the profile was edited: unbind, bind anew
                self._retire(entry)
                entry.lock.release()
                continue
            return entry

    def _open(self, entry: _Entry, profile) -> None:
        if profile.protocol == SMPP:
            try:
                entry.lease = leases.acquire(
                    profile.pk,
                    profile.max_binds,
                    self.lease_ttl,
                    leases.default_owner(self.purpose),
                    wait=self.lease_wait,
                )
            except redis.RedisError as exc:
                raise TransportError(
                    _("The bind limit cannot be checked: Redis is unreachable (%(error)s).")
                    % {"error": exc},
                    permanent=False,
                    code="binds_unavailable",
                ) from exc
            if entry.lease is None:
                raise TransportError(
                    _("Every bind this account allows (%(count)d) is in use by other workers.")
                    % {"count": max(1, profile.max_binds)},
                    permanent=False,
                    code="binds_busy",
                )
        transport = _build(profile, entry.receipts)
        try:
            transport.open()
        except BaseException:
            if entry.lease is not None:
                entry.lease.release()
            raise
        entry.transport = transport
        self.opened += 1

    def _forget(self, entry: _Entry) -> None:
        entry.closed = True
        with self._lock:
            if self._entries.get(entry.key) is entry:
                del self._entries[entry.key]

    def _retire(self, entry: _Entry) -> None:
        """Close an entry whose lock the caller holds, and give its bind slot back."""
        self._forget(entry)
        try:
            if entry.transport is not None:
                entry.transport.close()
        except Exception:
            log.exception("closing the session of profile %s failed", entry.key)
        finally:
            if entry.lease is not None:
                with contextlib.suppress(redis.RedisError):
                    entry.lease.release()

    def close_all(self, timeout: float = 5.0) -> None:
        """Close every session (waiting up to `timeout` s for each one in use) and the keeper."""
        if self._pid != os.getpid():
            self._reset()
            return
        self._stop.set()
        for entry in list(self._entries.values()):
            if entry.lock.acquire(timeout=timeout):
                try:
                    if not entry.closed:
                        self._retire(entry)
                finally:
                    entry.lock.release()
        self._stop = threading.Event()
        self._keeper = None

    # The keeper thread --------------------------------------------------------------------------

    def _start_keeper(self) -> None:
        if self._keeper is None or not self._keeper.is_alive():
            self._keeper = threading.Thread(
                target=self._keep, args=(self._stop,), name="session-keeper", daemon=True
            )
            self._keeper.start()

    def _keep(self, stop: threading.Event) -> None:
        while not stop.wait(self.tick):
            for entry in list(self._entries.values()):
                try:
                    self._keep_one(entry)
                except Exception:
                    log.exception("keeping the session of profile %s failed", entry.key)
            close_old_connections()  # this thread's, if it wrote receipts (or lost it)

    def _keep_one(self, entry: _Entry) -> None:
        if entry.closed:
            return
        if not entry.lock.acquire(blocking=False):
            # In use by a task, whose thread keeps the link alive meanwhile; the lease is
            # renewed all the same (a batch may outlast it), but replaced only once it is free.
            self._renew(entry, replace=False)
            return
        try:
            if entry.closed:
                return
            idle = time.monotonic() - entry.last_used
            lost = not self._renew(entry, replace=True)
            if lost or idle >= self.idle_close or _is_down(entry.transport):
                self._retire(entry)
            elif hasattr(entry.transport, "poll_receipts"):
                entry.transport.poll_receipts(POLL)  # receipts written, then answered
        finally:
            entry.lock.release()

    def _renew(self, entry: _Entry, *, replace: bool) -> bool:
        """Renew the bind lease when a third of its TTL has passed. A lost lease (it expired, or
        Redis restarted) is replaced when `replace` (the caller holds the entry's lock); False
        when no slot could be had again: the session must then close."""
        lease = entry.lease
        if lease is None or (lease.held and time.monotonic() - lease.renewed_at < lease.ttl / 3):
            return True
        try:
            was_held = lease.held
            if lease.renew():
                return True
            if was_held:
                log.warning("bind lease of profile %s was lost", entry.key)
            if not replace:
                return False
            replacement = leases.acquire(
                entry.key, _max_binds(entry), lease.ttl, leases.default_owner(self.purpose)
            )
        except redis.RedisError as exc:
            log.warning("bind lease of profile %s not renewed: %s", entry.key, exc)
            return True  # nobody else can take it meanwhile either
        if replacement is None:
            return False
        entry.lease = replacement
        return True


def _max_binds(entry: _Entry) -> int:
    return int(getattr(entry.transport.profile, "max_binds", 1) or 1)


def _build(profile, sink: ReceiptSink | None) -> Transport:
    cls = transport_class(profile.protocol)
    return cls(profile, sink=sink, limiter=Limiter.for_profile(profile))


def _is_down(transport: Transport | None) -> bool:
    """An SMPP session whose connection was lost while idle (the transport rebinds only when
    it sends or polls; an idle one is better closed than rebound in a loop)."""
    session = getattr(transport, "session", None)
    return session is not None and getattr(session, "conn", True) is None


_default: SessionPool | None = None


def default_pool() -> SessionPool:
    """This process's pool (settings read at first use)."""
    global _default
    if _default is None:
        _default = SessionPool()
    return _default


def checkout(profile, *, sink: ReceiptSink | None = None):
    """default_pool().checkout(...)."""
    return default_pool().checkout(profile, sink=sink)


def close_all(**_signal_kwargs) -> None:
    """Close every pool's sessions in this process (worker shutdown, exit)."""
    for pool in list(_pools):
        pool.close_all()


def _after_fork_in_child() -> None:
    # The sockets, leases and keeper thread belong to the parent: forget them, touch nothing.
    for pool in list(_pools):
        pool._reset()


os.register_at_fork(after_in_child=_after_fork_in_child)
signals.worker_process_shutdown.connect(close_all, weak=False)
signals.worker_shutdown.connect(close_all, weak=False)
atexit.register(close_all)
