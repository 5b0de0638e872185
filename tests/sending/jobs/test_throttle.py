"""The throughput cap holds across worker processes: never above it, and not far below it."""

from __future__ import annotations

import time

import pytest
import redis as redis_lib

from sending.jobs import throttle
from sending.jobs.throttle import Limiter
from sending.transports.base import TransportError
from tests.sending.jobs.measure import full_seconds, per_second, result, start_together

CAP = 500
SECONDS = 5


def _counters(redis, key: str) -> dict[int, int]:
    found = {}
    for name in redis.scan_iter(f"smsportal:tps:{key}:*"):
        found[int(name.decode().rsplit(":", 1)[1])] = int(redis.get(name))
    return found


def test_it_holds_the_cap_across_three_processes(hammer, redis, key):
    workers = [hammer("grants", key, CAP, SECONDS) for _ in range(3)]
    start_together(workers, whole_second=True)
    reports = [result(worker) for worker in workers]

    stamps = sorted(stamp for report in reports for stamp in report["stamps"])
    windows = full_seconds(per_second(stamps))
    assert len(windows) >= SECONDS - 2
    assert max(windows) <= CAP * 1.05, windows  # never above the cap
    assert sum(windows) >= 0.9 * CAP * len(windows), windows  # nor far below it
    assert all(report["stamps"] for report in reports)  # every process got its share
    # At the server: no second's counter ever went past the cap.
    assert max(_counters(redis, key).values()) <= CAP
    # Chunks keep the round trips well below one per part.
    assert sum(report["round_trips"] for report in reports) < len(stamps) / 5


def test_it_paces_within_the_second(redis, key):
    limiter = Limiter(key, 200, client=redis)
    stamps = []
    deadline = time.time() + 2.2
    while (now := time.time()) < deadline:
        wait = limiter.try_acquire(1)
        if wait:
            time.sleep(wait)
        else:
            stamps.append(now)
    second = int(stamps[0]) + 1
    tenths = per_second([(stamp - second) * 10 for stamp in stamps if int(stamp) == second])
    # 200/s paced: about 20 in each tenth of the second, never the whole cap in a burst.
    assert max(tenths.values()) <= 200 * 0.1 * 2, tenths
    assert sum(tenths.values()) >= 200 * 0.95


def test_it_spreads_a_message_bigger_than_the_cap_over_seconds(redis, key):
    limiter = Limiter(key, 2, client=redis)
    with pytest.raises(ValueError):
        limiter.try_acquire(3)
    started = time.monotonic()
    limiter.acquire(2)
    limiter.acquire(5)  # needs the whole cap of 2.5 more seconds
    assert time.monotonic() - started >= 2.0


def test_it_refuses_what_this_second_cannot_take(redis, key):
    limiter = Limiter(key, 10, client=redis, burst=1.0)
    granted = [limiter.try_acquire(1) for _ in range(10)]
    assert granted == [0.0] * 10
    wait = limiter.try_acquire(1)
    assert 0 < wait <= 1.0
    time.sleep(wait)
    assert limiter.try_acquire(1) == 0.0


def test_a_cap_of_zero_is_unlimited_without_redis(key):
    unreachable = redis_lib.Redis(unix_socket_path="/nonexistent/redis.sock")
    limiter = Limiter(key, 0, client=unreachable)
    assert [limiter.try_acquire(3) for _ in range(1000)] == [0.0] * 1000
    assert limiter.acquire(10_000) == 0.0 and limiter.round_trips == 0


def test_it_stops_sending_while_redis_is_unreachable(key):
    unreachable = redis_lib.Redis(unix_socket_path="/nonexistent/redis.sock")
    limiter = Limiter(key, 100, client=unreachable)
    assert limiter.try_acquire(1) == 1.0  # waits: never sends uncapped


def test_acquire_gives_up_when_redis_stays_unreachable(key, monkeypatch):
    monkeypatch.setattr(throttle, "OUTAGE_GIVE_UP", 1.5)
    unreachable = redis_lib.Redis(unix_socket_path="/nonexistent/redis.sock")
    limiter = Limiter(key, 100, client=unreachable)
    started = time.monotonic()
    with pytest.raises(TransportError) as failed:
        limiter.acquire(1)
    assert not failed.value.permanent and failed.value.code == "throttle_unavailable"
    assert time.monotonic() - started >= 1.5
