"""Bind leases: at most max_binds held at once across processes; a killed holder's slot frees."""

from __future__ import annotations

import os
import signal
import time

from sending.jobs import leases
from tests.sending.jobs.measure import result, start_together


def _most_at_once(intervals: list[tuple[float, float]]) -> int:
    edges = sorted([(start, 1) for start, _end in intervals] + [(end, -1) for _s, end in intervals])
    held = most = 0
    for _stamp, change in edges:  # at a tie the release (-1) sorts first
        held += change
        most = max(most, held)
    return most


def test_three_processes_never_hold_more_than_two(hammer, key):
    workers = [hammer("lease", key, 2, 5000, 3) for _ in range(3)]
    start_together(workers)
    reports = [result(worker) for worker in workers]
    intervals = [tuple(held) for report in reports for held in report["held"]]
    assert _most_at_once(intervals) == 2  # the limit is reached, never passed
    assert all(report["held"] for report in reports)  # and every process had its turns
    assert leases.holders(key) == {}  # all released


def test_a_killed_holder_frees_its_slot_after_the_ttl(hammer, key):
    holder = hammer("hold", key, 1, 1500)
    assert holder.stdout.readline().strip() == "held"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert leases.acquire(key, 1, 5, owner="test:other") is None  # still held: not expired yet
    time.sleep(1.6)
    lease = leases.acquire(key, 1, 5, owner="test:other")
    assert lease is not None and lease.owner == "test:other"
    lease.release()


def test_it_renews_only_a_lease_it_still_holds(key):
    lease = leases.acquire(key, 1, 0.3, owner="test:a")
    time.sleep(0.2)
    assert lease.renew()  # pushed a full TTL on: outlives the first TTL
    time.sleep(0.2)
    assert leases.acquire(key, 1, 1, owner="test:b") is None
    time.sleep(0.35)  # not renewed: expired
    other = leases.acquire(key, 1, 1, owner="test:b")
    assert other is not None
    assert not lease.renew() and not lease.held  # lost, and it says so
    other.release()


def test_it_waits_for_a_slot_and_releases_on_exit(key):
    first = leases.acquire(key, 1, 0.4, owner="test:a")
    with first:
        assert set(leases.holders(key)) == {first.member}
        assert 0 < leases.holders(key)[first.member] <= 0.4
    assert leases.holders(key) == {}
    second = leases.acquire(key, 1, 5, owner="test:b")
    started = time.monotonic()
    assert leases.acquire(key, 1, 5, owner="test:c", wait=0.3) is None
    assert time.monotonic() - started >= 0.25
    second.release()
    second.release()  # twice is harmless
    assert leases.acquire(key, 1, 5, owner="test:c", wait=0.3) is not None


def test_max_binds_below_one_means_one(key):
    assert leases.acquire(key, 0, 5) is not None
    assert leases.acquire(key, 0, 5) is None
    assert leases.default_owner("receive").endswith(f":{os.getpid()}:receive")
