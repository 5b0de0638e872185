"""A worker process for the multi-process tests: `python -m tests.sending.jobs.hammer MODE ...`.

Each run is its own OS process with its own Redis connection. Timed modes print "ready" once
set up and read the start time (epoch seconds) from stdin, so processes slow to start under load
still begin together; every mode prints one JSON line at the end.

  grants PROFILE CAP SECONDS            take parts one by one from a shared Limiter until
                                        start + SECONDS, print the grant timestamps
  smpp PROFILE CAP PORT COUNT           send COUNT one-part messages through an SMPP transport
                                        with the shared limiter to the SMSC on PORT
  lease PROFILE MAX TTL_MS SECONDS      acquire/hold/release bind leases in a loop, print the
                                        (acquired, released) times
  hold PROFILE MAX TTL_MS               take one lease, print "held", then sleep (to be killed)
"""

from __future__ import annotations

import json
import os
import random
import sys
import time


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smsportal.settings")
    import django

    django.setup()


def _start() -> float:
    print("ready", flush=True)
    start = float(sys.stdin.readline())
    time.sleep(max(0.0, start - time.time()))
    return start


def grants(profile: str, cap: int, seconds: float) -> dict:
    from sending.jobs.throttle import Limiter
    from smsportal import redis_client

    limiter = Limiter(profile, cap)
    redis_client.client().ping()  # connected before the start
    stamps = []
    start = _start()
    while (now := time.time()) < start + seconds:
        wait = limiter.try_acquire(1)
        if wait:
            time.sleep(min(wait, start + seconds - now))
        else:
            stamps.append(now)
    return {"stamps": stamps, "round_trips": limiter.round_trips}


def smpp(key: str, cap: int, port: int, count: int) -> dict:
    from profiles.models import SmsProfile
    from sending.jobs.throttle import Limiter
    from sending.transports.base import OutgoingMessage, TransportError
    from sending.transports.smpp.transport import SmppTransport
    from tests.peers.smsc import PASSWORD, SYSTEM_ID

    profile = SmsProfile(
        pk=4242,
        host="127.0.0.1",
        port=port,
        username=SYSTEM_ID,
        sender="ACME",
        bind_timeout=5,
        response_timeout=5,
        reconnect_delay=0,
        throughput=cap,
    )
    profile.password = PASSWORD
    messages = [
        OutgoingMessage(f"+4179{os.getpid() % 1000:03d}{n:04d}", "ACME", "hi") for n in range(count)
    ]
    sent = failed = 0
    with SmppTransport(profile, limiter=Limiter(key, cap)) as transport:
        for _message, outcome in transport.send_many(messages):
            failed += isinstance(outcome, TransportError)
            sent += not isinstance(outcome, TransportError)
    return {"sent": sent, "failed": failed}


def lease(profile: str, max_binds: int, ttl_ms: int, seconds: float) -> dict:
    from sending.jobs import leases

    held = []
    leases.holders(profile)  # connected before the start
    start = _start()
    while time.time() < start + seconds:
        lease = leases.acquire(profile, max_binds, ttl_ms / 1000, owner=f"test:{os.getpid()}")
        if lease is None:
            time.sleep(random.uniform(0.001, 0.01))
            continue
        acquired = time.time()
        time.sleep(random.uniform(0.02, 0.08))
        held.append((acquired, time.time()))
        lease.release()
        time.sleep(random.uniform(0.0, 0.02))  # give the others a turn
    return {"held": held}


def hold(profile: str, max_binds: int, ttl_ms: int) -> None:
    from sending.jobs import leases

    lease = leases.acquire(profile, max_binds, ttl_ms / 1000, owner=f"test:{os.getpid()}")
    print("held" if lease else "none", flush=True)
    time.sleep(3600)


if __name__ == "__main__":
    _setup()
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "grants":
        result = grants(args[0], int(args[1]), float(args[2]))
    elif mode == "smpp":
        result = smpp(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif mode == "lease":
        result = lease(args[0], int(args[1]), int(args[2]), float(args[3]))
    else:
        hold(args[0], int(args[1]), int(args[2]))
        result = {}
    print(json.dumps(result), flush=True)
