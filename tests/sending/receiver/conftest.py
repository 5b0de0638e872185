"""Fixtures of the receiver tests: the receiver in this process (threads) or as its own process,
a peer able to send deliver_sm on demand, and messages sent through the real send path."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from profiles import choices
from sending import services
from sending.models import Message
from sending.receiver.runner import Receiver
from tests.peers.smsc import ROOT
from tests.sending.jobs.bulk_support import (
    Child,
    worker_env,
    workers,  # noqa: F401 (real worker processes)
)
from tests.support import wait_until as wait_until  # the receiver tests import it here


@pytest.fixture
def netsmpp(start_smsc, tmp_path):
    """netsmpp(**knobs): the Net::SMPP peer with a spool directory (see spool_deliver_sm)."""

    def start(**knobs):
        spool = tmp_path / f"spool-{time.monotonic_ns()}"
        spool.mkdir()
        peer = start_smsc("netsmpp", spool=str(spool), **knobs)
        peer.spool = spool
        return peer

    return start


def spool_deliver_sm(peer, **spec) -> None:
    """Make the peer send one deliver_sm (short_message and TLV values as bytes)."""
    spec["short_message"] = spec.get("short_message", b"").hex()
    spec["tlvs"] = {name: value.hex() for name, value in spec.get("tlvs", {}).items()}
    name = f"{time.monotonic_ns()}.json"
    temporary = peer.spool / (name + ".tmp")
    temporary.write_text(json.dumps(spec))
    temporary.rename(peer.spool / name)  # the peer never reads a half-written file


@pytest.fixture
def free_leases(redis_url):
    """No bind lease left by an earlier test (profile ids repeat after a flush)."""
    from smsportal import redis_client

    client = redis_client.client()
    for key in client.scan_iter("smsportal:binds:*"):
        client.delete(key)


@pytest.fixture
def receiver(free_leases):
    """receiver(*profiles) -> a running Receiver (threads in this process), stopped after."""
    started = []

    def start(*profiles):
        running = Receiver([p.pk for p in profiles])
        running.SCAN_EVERY = 0.5
        import threading

        thread = threading.Thread(target=running.run, daemon=True)
        thread.start()
        started.append((running, thread))
        return running

    yield start
    for running, thread in started:
        running.stopping.set()
        thread.join(15)


def bound(running: Receiver, profile, timeout: float = 15.0) -> bool:
    def check():
        thread = running.threads.get(profile.pk)
        return thread is not None and thread.bound.is_set()

    return bool(wait_until(check, timeout))


class ReceiverProcess(Child):
    """`manage.py smpp_listen` as its own process, on this test's database and Redis."""

    def __init__(self, profile_ids: list[int], log: Path):
        args = [sys.executable, "manage.py", "smpp_listen"]
        for pk in profile_ids:
            args += ["--profile", str(pk)]
        self.log = open(log, "ab")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=worker_env(SMSPORTAL_BIND_LEASE_TTL=4), stdout=self.log,
            stderr=self.log,
        )  # fmt: skip


@pytest.fixture
def receiver_process(free_leases, tmp_path):
    started = []

    def start(*profiles) -> ReceiverProcess:
        running = ReceiverProcess([p.pk for p in profiles], tmp_path / "receiver.log")
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


def send(profile, count: int = 1, text: str = "Hello {i}", **fields) -> list[Message]:
    """Queue `count` messages and send them through services.send_messages (one bind)."""
    messages = [
        services.create_message(profile, f"+4915{100000000 + i}", text=text.format(i=i), **fields)
        for i in range(count)
    ]
    return services.send_messages([m.pk for m in messages])


def receiving_profile(smpp_profile, peer, **fields):
    """A transmitter profile asking for final receipts: the receiver binds as a receiver."""
    fields.setdefault("bind_mode", choices.BindMode.TRANSMITTER)
    fields.setdefault("delivery_receipts", choices.DeliveryReceipts.FINAL)
    fields.setdefault("enquire_link_interval", 5)
    return smpp_profile(peer, **fields)
