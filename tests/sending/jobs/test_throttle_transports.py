"""The shared cap in the transports, measured where it matters: at the SMSC and the gateway."""

from __future__ import annotations

import time

from sending.jobs.throttle import Limiter
from sending.transports.base import OutgoingMessage, TransportError
from sending.transports.smpp.transport import SmppTransport
from sending.transports.web_url.transport import WebUrlTransport
from tests.sending.jobs.measure import full_seconds, per_second, result

CAP = 200


def test_two_smpp_processes_share_the_cap_at_the_smsc(start_smsc, hammer, key):
    smsc = start_smsc("sandbox")
    workers = [hammer("smpp", key, CAP, smsc.port, 600) for _ in range(2)]
    reports = [result(worker, timeout=90) for worker in workers]
    assert [report["sent"] for report in reports] == [600, 600]

    accepted = smsc.accepted()
    assert len(accepted) == 1200
    assert len({record["session"] for record in accepted}) == 2  # two binds, one cap
    windows = full_seconds(per_second([record["t"] for record in accepted]))
    assert len(windows) >= 4
    assert max(windows) <= CAP * 1.05, windows
    assert sum(windows) >= 0.9 * CAP * len(windows), windows


def test_an_smpp_transport_without_a_limiter_keeps_its_own_cap(start_smsc, smpp_profile):
    smsc = start_smsc("netsmpp")
    profile = smpp_profile(smsc, throughput=50)
    messages = [OutgoingMessage(f"+417900{n:04d}", "ACME", "hi") for n in range(130)]
    with SmppTransport(profile) as transport:
        outcomes = [outcome for _m, outcome in transport.send_many(messages)]
    assert not [o for o in outcomes if isinstance(o, TransportError)]
    windows = full_seconds(per_second([record["t"] for record in smsc.accepted()]))
    assert windows and max(windows) <= 50 * 1.05, windows


def test_web_url_counts_parts_against_the_cap(gateway, web_url_profile, key):
    profile = web_url_profile(gateway, concurrency=4)
    long_text = "x" * 200  # two GSM parts
    messages = [OutgoingMessage(f"+417900{n:04d}", "ACME", long_text) for n in range(100)]
    transport = WebUrlTransport(profile, limiter=Limiter(key, 60))
    started = time.time()
    with transport:
        outcomes = [outcome for _m, outcome in transport.send_many(messages)]
    assert all(outcome.parts == 2 for outcome in outcomes)
    parts_per_second = per_second([r.at for r in gateway.requests for _part in range(2)])
    windows = full_seconds(parts_per_second)
    assert len(gateway.requests) == 100
    assert max(windows) <= 60 * 1.05, windows  # 30 two-part requests a second
    assert sum(windows) >= 0.9 * 60 * len(windows), windows
    assert time.time() - started >= 200 / 60 - 1.2
