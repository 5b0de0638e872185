"""Benchmark: messages per second through SmppTransport to an SMSC peer on 127.0.0.1.

    .venv/bin/python bench/smpp_send.py [--count 20000] [--runs 3]
                                        [--peer netsmpp|sandbox|smpp34 ...] [--profile] [--codec]

Starts each peer (by default Net::SMPP, our sandbox and the PyPI smpp34 server; logging nothing),
then sends `count` single-part messages in Synchronous mode and in Asynchronous mode with window
10 and 100, and prints messages per second, the median of `runs` runs. For scale it also
measures, against the same peer, a raw client that writes pre-encoded submit_sm within a window
of 100 (the ceiling), and a fair smpplib client: one bind, `send_message` until 100 are
unanswered, then `read_once` per response. The last column is the window-100 transport over the
raw client of the same run.

`--codec` times the codec's two hand-written fast paths against smpplib (codec.py says why they
exist): encoding one submit_sm, and reading the message_id of a submit_sm_resp.
Not a test; the figures go in the README.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import socket
import statistics
import sys
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smsportal.settings")

import django  # noqa: E402

django.setup()

from profiles import choices  # noqa: E402
from profiles.models import SmsProfile  # noqa: E402
from sending.transports.base import OutgoingMessage, SendResult  # noqa: E402
from sending.transports.smpp.codec import HEADER, SUBMIT_SM, split_stream  # noqa: E402
from sending.transports.smpp.transport import SmppTransport  # noqa: E402
from tests.peers.smsc import SmscPeer  # noqa: E402

SYNC, ASYNC = choices.ProcessingMode.SYNCHRONOUS, choices.ProcessingMode.ASYNCHRONOUS


def profile_for(peer: SmscPeer, mode: str, window: int) -> SmsProfile:
    profile = SmsProfile(
        name="bench",
        host="127.0.0.1",
        port=peer.port,
        username=peer.system_id,
        processing_mode=mode,
        window_size=window,
        sender="ACME",
        delivery_receipts=choices.DeliveryReceipts.NONE,
        response_timeout=30,
    )
    profile.password = peer.password
    return profile


def messages(count: int):
    return (
        OutgoingMessage(f"+4915{100000000 + i}", "ACME", f"Benchmark message {i}")
        for i in range(count)
    )


def run_transport(
    peer: SmscPeer, mode: str, window: int, count: int, profile: bool, cpu: list | None = None
) -> float:
    """Messages per second; `cpu` gets the client's CPU µs per message (less load-sensitive)."""
    with SmppTransport(profile_for(peer, mode, window)) as transport:
        transport.send(OutgoingMessage("+4915100000000", "ACME", "warm-up"))
        profiler = cProfile.Profile() if profile else None
        cpu_started = time.process_time()
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        sent = sum(
            isinstance(outcome, SendResult) for _m, outcome in transport.send_many(messages(count))
        )
        elapsed = time.perf_counter() - started
        if cpu is not None:
            cpu.append((time.process_time() - cpu_started) / count * 1e6)
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(12)
    assert sent == count, f"only {sent} of {count} sent"
    return count / elapsed


def _smpplib_pdu(name: str, sequence: int, **fields) -> bytes:
    from smpplib import smpp

    pdu = smpp.make_pdu(name, sequence=sequence, **fields)
    pdu.sequence = sequence
    return pdu.generate()


def run_raw(peer: SmscPeer, count: int, window: int = 100) -> float:
    """The ceiling: pre-encoded submit_sm, written in batches within the window."""
    sock = socket.create_connection(("127.0.0.1", peer.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(
        _smpplib_pdu("bind_transmitter", 1, system_id=peer.system_id, password=peer.password)
    )
    buffer = bytearray()
    while not split_stream(buffer):
        buffer += sock.recv(4096)
    sample = _smpplib_pdu(
        "submit_sm",
        1,
        source_addr_ton=5,
        source_addr="ACME",
        dest_addr_ton=1,
        dest_addr_npi=1,
        destination_addr="491510000000",
        short_message=b"Benchmark message",
    )
    body = sample[16:]
    pdus = [HEADER.pack(16 + len(body), SUBMIT_SM, 0, seq) + body for seq in range(2, count + 2)]
    started = time.perf_counter()
    sent = answered = 0
    while answered < count:
        batch = min(window - (sent - answered), count - sent)
        if batch > 0:
            sock.sendall(b"".join(pdus[sent : sent + batch]))
            sent += batch
        buffer += sock.recv(262144)
        answered += len(split_stream(buffer))
    elapsed = time.perf_counter() - started
    sock.close()
    return count / elapsed


def run_smpplib(peer: SmscPeer, count: int, window: int = 100) -> float:
    """smpplib's own client, used fairly: one bind, up to `window` submit_sm unanswered."""
    import smpplib.client
    import smpplib.exceptions

    logging.getLogger("smpp").setLevel(logging.ERROR)
    client = smpplib.client.Client("127.0.0.1", peer.port, allow_unknown_opt_params=True)
    answered = 0

    def on_sent(pdu):
        nonlocal answered
        answered += 1

    client.set_message_sent_handler(on_sent)
    client.connect()
    client.bind_transmitter(system_id=peer.system_id, password=peer.password)
    started = time.perf_counter()
    sent = 0
    while answered < count:
        while sent < count and sent - answered < window:
            client.send_message(
                source_addr_ton=5,
                source_addr="ACME",
                dest_addr_ton=1,
                dest_addr_npi=1,
                destination_addr=f"4915{100000000 + sent}",
                short_message=f"Benchmark message {sent}".encode(),
            )
            sent += 1
        client.read_once()  # one response (or whatever the SMSC sent)
    elapsed = time.perf_counter() - started
    try:
        client.unbind()
    except smpplib.exceptions.ConnectionError:
        pass  # smpp34 closes instead of answering unbind
    client.disconnect()
    return count / elapsed


ROWS = (
    "raw pre-encoded client, window 100",
    "smpplib client, window 100",
    "SmppTransport Synchronous",
    "SmppTransport Asynchronous, window 10",
    "SmppTransport Asynchronous, window 100",
)


def bench_peer(name: str, count: int, profile: bool) -> dict[str, float]:
    # Nothing logged: measure the client, not the server writing its log.
    peer = SmscPeer(name, None, "bench", "bench-pw", no_receipts=True)
    try:
        print(f"{count} messages to the {name} peer on 127.0.0.1:{peer.port}", flush=True)
        cpu: list[float] = []
        rates = [
            run_raw(peer, count),
            run_smpplib(peer, count),
            run_transport(peer, SYNC, 1, count, False),
            run_transport(peer, ASYNC, 10, count, False),
            run_transport(peer, ASYNC, 100, count, profile, cpu),
        ]
        return {**dict(zip(ROWS, rates, strict=True)), "cpu": cpu[0]}
    finally:
        peer.stop()


def bench_codec() -> None:
    """µs per call: the two fast paths against smpplib doing the same."""
    from smpplib import smpp

    from sending.transports.smpp.codec import SUBMIT_SM_RESP, message_id_of
    from sending.transports.smpp.parts import PartBuilder

    profile = SmsProfile(host="127.0.0.1", delivery_receipts=choices.DeliveryReceipts.FINAL)
    builder = PartBuilder(profile)
    message = OutgoingMessage("+4915112345678", "ACME", "Benchmark message 1")
    plan = message.plan_for(profile)
    fields = dict(
        source_addr_ton=5,
        source_addr="ACME",
        dest_addr_ton=1,
        dest_addr_npi=1,
        destination_addr="4915112345678",
        registered_delivery=1,
        short_message=b"Benchmark message 1",
    )
    resp_body = b"3f9a1c\0"
    resp = HEADER.pack(16 + len(resp_body), SUBMIT_SM_RESP, 0, 7) + resp_body
    cases = [
        ("submit_sm: smpplib SubmitSM.generate()", lambda: _smpplib_pdu("submit_sm", 7, **fields)),
        (
            "submit_sm: PartBuilder.build() + header",
            lambda: [
                HEADER.pack(16 + len(b), SUBMIT_SM, 0, 7) + b
                for b in builder.build(message.to, message.sender, plan)
            ],
        ),
        ("submit_sm_resp: smpplib parse_pdu()", lambda: smpp.parse_pdu(resp).message_id),
        ("submit_sm_resp: message_id_of()", lambda: message_id_of(resp[16:])),
    ]
    print("\ncodec, µs per call (best of 5 × 20,000)")
    for label, call in cases:
        best = min(timeit.repeat(call, number=20000, repeat=5)) / 20000 * 1e6
        print(f"  {label:<42} {best:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3, help="median of this many runs [3]")
    parser.add_argument(
        "--peer",
        action="append",
        choices=["netsmpp", "sandbox", "smpp34"],
        help="repeatable; default: netsmpp, sandbox and smpp34",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the window-100 run")
    parser.add_argument("--codec", action="store_true", help="only time the codec's fast paths")
    args = parser.parse_args()
    if args.codec:
        bench_codec()
        return
    names = args.peer or ["netsmpp", "sandbox", "smpp34"]
    runs = {
        name: [bench_peer(name, args.count, args.profile) for _run in range(args.runs)]
        for name in names
    }
    for name, results in runs.items():
        print(f"\n{name} peer, {args.count} single-part messages, median of {args.runs} (msg/s)")
        for label in ROWS:
            print(f"  {label:<42} {statistics.median(r[label] for r in results):>9,.0f}")
        ratios = [r[ROWS[-1]] / r[ROWS[0]] for r in results]
        print(f"  {'window 100 / raw, same run':<42} {statistics.median(ratios):>9.2f}")
        cpu = statistics.median(r["cpu"] for r in results)
        print(f"  {'window 100, client CPU µs per message':<42} {cpu:>9.1f}")


if __name__ == "__main__":
    main()
