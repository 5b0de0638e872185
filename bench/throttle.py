"""Benchmark: what the shared throughput cap costs and what it achieves.

    .venv/bin/python bench/throttle.py [--count 20000] [--cap 500] [--seconds 6]

1. Against our sandbox SMSC (logging nothing), one SmppTransport sends `count` single-part
   messages with no cap, then with a shared Limiter whose cap is never reached (the limiter's
   own cost: one Redis round trip per chunk); prints msg/s, the ratio and the round trips.
2. Two worker processes share a cap of `cap` parts/s for about `seconds` s against the sandbox
   (logging every submit_sm with its arrival time); prints the achieved rate and the highest
   and lowest one-second count at the SMSC.

Uses REDIS_URL, or starts the embedded Redis. Not a test: it prints, never asserts.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smsportal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from profiles import choices  # noqa: E402
from profiles.models import SmsProfile  # noqa: E402
from sending.jobs.throttle import Limiter  # noqa: E402
from sending.transports.base import OutgoingMessage, SendResult  # noqa: E402
from sending.transports.smpp.transport import SmppTransport  # noqa: E402
from smsportal import embedded_redis  # noqa: E402
from tests.peers.smsc import SmscPeer  # noqa: E402
from tests.sending.jobs.measure import full_seconds, per_second, result  # noqa: E402


def _profile(peer: SmscPeer) -> SmsProfile:
    profile = SmsProfile(
        pk=1,
        host="127.0.0.1",
        port=peer.port,
        username=peer.system_id,
        processing_mode=choices.ProcessingMode.ASYNCHRONOUS,
        window_size=100,
        sender="ACME",
        delivery_receipts=choices.DeliveryReceipts.NONE,
        response_timeout=30,
    )
    profile.password = peer.password
    return profile


def _send(peer: SmscPeer, count: int, limiter: Limiter | None) -> float:
    numbers = (f"+4915{100000000 + i}" for i in range(count))
    messages = (OutgoingMessage(number, "ACME", "Bench") for number in numbers)
    with SmppTransport(_profile(peer), limiter=limiter) as transport:
        transport.send(OutgoingMessage("+4915100000000", "ACME", "warm-up"))
        started = time.perf_counter()
        sent = sum(isinstance(o, SendResult) for _m, o in transport.send_many(messages))
        elapsed = time.perf_counter() - started
    if sent != count:
        print(f"  only {sent} of {count} sent")
    return count / elapsed


def overhead(count: int) -> None:
    peer = SmscPeer("sandbox", None, "bench", "bench-pw", no_receipts=True)
    try:
        plain = _send(peer, count, None)
        limiter = Limiter(f"bench-{uuid.uuid4().hex[:8]}", 1_000_000)
        capped = _send(peer, count, limiter)
    finally:
        peer.stop()
    print(f"no cap:                       {plain:9,.0f} msg/s")
    print(
        f"shared cap, never reached:    {capped:9,.0f} msg/s  (ratio {capped / plain:.2f}, "
        f"{limiter.round_trips} Redis round trips)"
    )


def shared_cap(cap: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as directory:
        log = Path(directory) / "sandbox.jsonl"
        peer = SmscPeer("sandbox", log, "smppclient1", "pw-smpp1", no_receipts=True)
        key = f"bench-{uuid.uuid4().hex[:8]}"
        per_worker = int(cap * seconds / 2)
        command = [sys.executable, "-m", "tests.sending.jobs.hammer", "smpp", key, str(cap)]
        workers = [
            subprocess.Popen(
                [*command, str(peer.port), str(per_worker)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            sent = sum(result(worker, timeout=seconds * 5)["sent"] for worker in workers)
            stamps = [r["t"] for r in peer.accepted()]
        finally:
            peer.stop()
    windows = full_seconds(per_second(stamps))
    print(
        f"cap {cap}/s, 2 processes:      {sum(windows) / len(windows):9,.0f} parts/s achieved "
        f"(mean of {len(windows)} full seconds at the SMSC: highest {max(windows)}, lowest "
        f"{min(windows)}; {sent} sent)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--cap", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=6)
    args = parser.parse_args()
    redis = None
    if settings.USES_EMBEDDED_REDIS and not embedded_redis.is_listening(
        settings.EMBEDDED_REDIS_SOCKET
    ):
        redis = embedded_redis.start(settings.EMBEDDED_REDIS_SOCKET)
    try:
        overhead(args.count)
        shared_cap(args.cap, args.seconds)
    finally:
        if redis is not None:
            redis.terminate()


if __name__ == "__main__":
    main()
