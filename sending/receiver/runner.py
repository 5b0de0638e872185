"""The receiver process: one thread per receiving profile, each holding one bind when it may.

A thread takes two leases before it binds: one of the profile's SMSPORTAL_RECEIVER_BINDS
receiving slots (so two receiver processes never both bind the same profile beyond that) and one
of its Maximum simultaneous binds (shared with the sending workers). When every bind is taken
and the profile has messages waiting to be sent, the receiver gives its bind up to the senders
(a transceiver sender hears its own receipts) and takes it back once they are done; the SMSC
keeps what it could not deliver meanwhile. A transmitter profile allowed two binds or more keeps
the receiver's: its senders take one fewer (sending.jobs.slots.count).
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import Q
from django.utils import timezone

from profiles.models import SmsProfile
from sending import tasks
from sending.jobs import leases, slots
from sending.models import Message
from sending.receipt_matching import match_waiting, purge_unmatched
from sending.transports import SMPP
from sending.transports.base import TransportError

from .bind import ReceiverBind
from .store import store_deliveries

log = logging.getLogger(__name__)

BACKOFF_CAP = 300.0  # seconds: the longest wait between two failed binds
LEASE_RETRY = 2.0  # seconds between attempts while every slot is taken
CHECK_EVERY = 2.0  # seconds between checks for senders waiting, profile changes, lease renewal


def receiving_profiles():
    """Complete SMPP profiles that receive (see SmppTuning.receives)."""
    return [p for p in SmsProfile.objects.complete().filter(protocol=SMPP) if p.receives]


def _signature(profile) -> tuple:
    """The fields a bind depends on: a change rebinds."""
    return (
        profile.host, profile.port, profile.username, profile.password_encrypted,
        profile.system_type, profile.bind_mode, profile.use_tls, profile.interface_version,
        profile.address_range, profile.receiver_bind, profile.delivery_receipts,
        profile.receipt_id_format, profile.max_binds,
    )  # fmt: skip


def _senders_waiting(profile) -> bool:
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
    return Message.objects.filter(due, profile=profile, status=Message.Status.QUEUED).exists()


class ProfileReceiver(threading.Thread):
    def __init__(self, profile_id: int, stopping: threading.Event, owner: str):
        super().__init__(name=f"receiver-{profile_id}", daemon=True)
        self.profile_id = profile_id
        self.stopping = stopping
        self.owner = owner
        self.ttl = float(settings.SMSPORTAL_BIND_LEASE_TTL)
        self.failures = 0
        self.bound = threading.Event()
        self.binds = 0

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                profile = SmsProfile.objects.filter(pk=self.profile_id).first()
                if profile is None or not (profile.is_complete and profile.receives):
                    return
                self._once(profile)
        except Exception:
            log.exception("receiver for profile %s stopped", self.profile_id)
        finally:
            connection.close()

    def _once(self, profile) -> None:
        slot = leases.acquire(
            f"{profile.pk}:receive", settings.SMSPORTAL_RECEIVER_BINDS, self.ttl, self.owner
        )
        if slot is None:
            self.stopping.wait(LEASE_RETRY)
            return
        with slot:
            lease = leases.acquire(profile.pk, profile.max_binds, self.ttl, self.owner)
            if lease is None:
                self.stopping.wait(LEASE_RETRY)
                return
            with lease:
                yielded = self._bound(profile, [slot, lease])
        if yielded:
            self._wait_for_senders(profile)
        else:
            self.stopping.wait(self._delay(profile))

    def _delay(self, profile) -> float:
        """The profile's reconnect delay, doubled after each failed bind in a row."""
        delay = float(profile.reconnect_delay)
        if self.failures:
            delay = min(BACKOFF_CAP, max(delay, 0.1) * 2 ** (self.failures - 1))
        return delay

    def _bound(self, profile, held: list) -> bool:
        """Bind and serve until stopped or the link is lost; True when it gave way to senders."""
        bind = ReceiverBind(profile, lambda bodies: self._store(profile, bodies))
        try:
            bind.connect()
        except TransportError as exc:
            self.failures += 1
            log.warning("profile %s: %s bind failed: %s", profile.pk, bind.mode, exc.reason)
            return False
        self.failures = 0
        self.binds += 1
        self.bound.set()
        log.info("profile %s: %s bind to %s:%s open", profile.pk, bind.mode, bind.host, bind.port)
        signature = _signature(profile)
        checked = renewed = time.monotonic()
        try:
            while not self.stopping.is_set():
                bind.serve(min(1.0, self.ttl / 4))
                if time.monotonic() - renewed >= self.ttl / 3:
                    renewed = time.monotonic()
                    if not all(lease.renew() for lease in held):
                        log.warning("profile %s: bind lease lost; unbinding", profile.pk)
                        break
                if time.monotonic() - checked < CHECK_EVERY:
                    continue
                checked = time.monotonic()
                fresh = SmsProfile.objects.filter(pk=profile.pk).first()
                if fresh is None or _signature(fresh) != signature or not fresh.receives:
                    break
                if self._should_yield(fresh):
                    log.info("profile %s: giving the bind to the senders", profile.pk)
                    return True
        except TransportError as exc:
            log.warning("profile %s: %s", profile.pk, exc.reason)
        finally:
            self.bound.clear()
            bind.close()
        return False

    def _should_yield(self, profile) -> bool:
        binds = max(1, profile.max_binds)
        if slots.count(profile) < binds:
            return False  # the senders leave this bind to the receiver
        return len(leases.holders(profile.pk)) >= binds and _senders_waiting(profile)

    def _wait_for_senders(self, profile) -> None:
        while not self.stopping.is_set() and _senders_waiting(profile):
            self.stopping.wait(CHECK_EVERY)

    def _store(self, profile, bodies: list[bytes]) -> list[int]:
        stored = store_deliveries(profile, bodies)
        for message_id in stored.replies:
            tasks.send_message.delay(message_id)
        return stored.statuses


class Receiver:
    """Starts a ProfileReceiver for every receiving profile, and stops them."""

    SCAN_EVERY = 5.0
    MATCH_EVERY = 2.0
    PURGE_EVERY = 3600.0

    def __init__(self, profile_ids: list[int] | None = None):
        self.profile_ids = profile_ids
        self.stopping = threading.Event()
        self.threads: dict[int, ProfileReceiver] = {}
        self.owner = leases.default_owner("receive")

    def scan(self) -> None:
        close_old_connections()
        for profile in receiving_profiles():
            if self.profile_ids and profile.pk not in self.profile_ids:
                continue
            thread = self.threads.get(profile.pk)
            if thread is None or not thread.is_alive():
                thread = self.threads[profile.pk] = ProfileReceiver(
                    profile.pk, self.stopping, self.owner
                )
                thread.start()

    def run(self) -> None:
        last_scan = last_match = last_purge = 0.0
        while not self.stopping.is_set():
            now = time.monotonic()
            if now - last_scan >= self.SCAN_EVERY:
                self.scan()
                last_scan = now
            if now - last_match >= self.MATCH_EVERY:
                self._quietly(match_waiting)
                last_match = now
            if now - last_purge >= self.PURGE_EVERY:
                self._quietly(purge_unmatched)
                last_purge = now
            self.stopping.wait(0.5)
        self.stop()

    def _quietly(self, function) -> None:
        try:
            function()
        except Exception:
            log.exception("receiver: %s failed", function.__name__)

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads.values():
            thread.join(max(0.1, deadline - time.monotonic()))
        connection.close()
