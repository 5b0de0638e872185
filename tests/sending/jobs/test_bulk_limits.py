"""The profile's limits hold across two worker processes, measured at the Net::SMPP server:
the throughput cap per second, and the maximum simultaneous binds."""

from __future__ import annotations

import pytest

from sending.models import BulkJob
from tests.sending.jobs.bulk_support import counts, make_job, settle
from tests.sending.jobs.measure import full_seconds, per_second

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.peer]
CAP = 300


def _sessions(peer) -> list[tuple[float, float]]:
    """(bound at, closed at) of every session the server served."""
    spans: dict[int, list[float]] = {}
    for event in peer.events():
        if "session" in event and "t" in event:
            spans.setdefault(event["session"], []).append(event["t"])
    return [(min(times), max(times)) for times in spans.values()]


def _most_at_once(spans: list[tuple[float, float]]) -> int:
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    most = now = 0
    for _t, step in edges:
        now += step
        most = max(most, now)
    return most


def test_the_cap_holds_across_two_workers_per_second_at_the_server(
    start_smsc,
    smpp_profile,
    workers,
):
    peer = start_smsc("netsmpp", fork=True)
    profile = smpp_profile(
        peer, processing_mode="async", throughput=CAP, max_binds=2, delivery_receipts="none"
    )  # no receiver bind to leave: both binds send
    job = make_job(profile, CAP * 6)
    workers(2)

    assert settle(job).status == BulkJob.Status.FINISHED

    stamps = [r["t"] for r in peer.accepted()]
    assert len(stamps) == CAP * 6
    windows = full_seconds(per_second(stamps))
    assert len(windows) >= 4
    assert max(windows) <= CAP * 1.05, windows  # never above the cap
    assert min(windows) >= CAP * 0.85, windows  # nor undershot
    assert len({r["session"] for r in peer.accepted()}) == 2  # both workers shared the cap


def test_max_binds_holds_across_two_workers(start_smsc, smpp_profile, workers):
    peer = start_smsc("netsmpp", fork=True)
    profile = smpp_profile(peer, processing_mode="async", throughput=1000, max_binds=1)
    # Two jobs on one profile: one sender each, but only one may bind at a time.
    jobs = [
        make_job(profile, 0, numbers=[f"+49151{n}{k:05d}" for k in range(1500)]) for n in (1, 2)
    ]
    workers(2)

    for job in jobs:
        assert settle(job).status == BulkJob.Status.FINISHED
        assert counts(job) == {"sent": 1500}
    assert _most_at_once(_sessions(peer)) == 1
    assert len(peer.accepted()) == 3000
