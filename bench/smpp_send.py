"""Benchmark: messages per second through SmppTransport to an SMSC peer on 127.0.0.1.

    .venv/bin/python bench/smpp_send.py [--count 20000] [--peer sandbox|smpp34|netsmpp ...]
                                        [--profile]

Starts each peer (by default our sandbox and the PyPI smpp34 server; logging nothing), then sends
`count` single-part messages in Synchronous mode and in Asynchronous mode with window 10 and 100,
and prints messages per second. For scale it also measures, against the same peer, a raw client
that writes pre-encoded submit_sm within a window of 100 (the ceiling), and a plain smpplib
send-and-wait loop. Not a test; the figures go in the README.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smsportal.settings")

import django  # noqa: E402

django.setup()

from profiles import choices  # noqa: E402
from profiles.models import SmsProfile  # noqa: E402
from sending.transports.base import OutgoingMessage, SendResult  # noqa: E402
from sending.transports.smpp.codec import HEADER, SUBMIT_SM, bind_body, pack, split_stream  # noqa: E402
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


def run_transport(peer: SmscPeer, mode: str, window: int, count: int, profile: bool) -> float:
    with SmppTransport(profile_for(peer, mode, window)) as transport:
        transport.send(OutgoingMessage("+4915100000000", "ACME", "warm-up"))
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        sent = sum(
            isinstance(outcome, SendResult) for _m, outcome in transport.send_many(messages(count))
        )
        elapsed = time.perf_counter() - started
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(12)
    assert sent == count, f"only {sent} of {count} sent"
    return count / elapsed


def run_raw(peer: SmscPeer, count: int, window: int = 100) -> float:
    """The ceiling: pre-encoded submit_sm, written in batches within the window."""
    sock = socket.create_connection(("127.0.0.1", peer.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(pack(0x2, 1, bind_body(peer.system_id, peer.password)))
    buffer = bytearray()
    while not split_stream(buffer):
        buffer += sock.recv(4096)
    body = (
        b"\0\x05\x00ACME\0\x01\x01491510000000\0\x00\x00\x00\0\0\x00\x00\x00\x00"
        + bytes((17,))
        + b"Benchmark message"
    )
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


def run_smpplib(peer: SmscPeer, count: int) -> float:
    import smpplib.client
    import smpplib.exceptions

    logging.getLogger("smpp").setLevel(logging.ERROR)
    client = smpplib.client.Client("127.0.0.1", peer.port, allow_unknown_opt_params=True)
    client.set_message_sent_handler(lambda pdu: None)
    client.connect()
    client.bind_transmitter(system_id=peer.system_id, password=peer.password)
    started = time.perf_counter()
    for i in range(count):
        client.send_message(
            source_addr="ACME",
            destination_addr=f"4915{100000000 + i}",
            short_message=f"Benchmark message {i}".encode(),
        )
        client.read_once()  # wait for the submit_sm_resp
    elapsed = time.perf_counter() - started
    try:
        client.unbind()
    except smpplib.exceptions.ConnectionError:
        pass  # smpp34 closes instead of answering unbind
    client.disconnect()
    return count / elapsed


def bench_peer(name: str, count: int, profile: bool) -> list[tuple[str, float]]:
    # Nothing logged: measure the client, not the server writing its log.
    peer = SmscPeer(name, None, "bench", "bench-pw", no_receipts=True)
    try:
        print(f"{count} messages to the {name} peer on 127.0.0.1:{peer.port}", flush=True)
        return [
            ("raw pre-encoded client, window 100", run_raw(peer, count)),
            ("plain smpplib send-and-wait", run_smpplib(peer, min(count, 5000))),
            ("SmppTransport Synchronous", run_transport(peer, SYNC, 1, count, False)),
            ("SmppTransport Asynchronous, window 10", run_transport(peer, ASYNC, 10, count, False)),
            (
                "SmppTransport Asynchronous, window 100",
                run_transport(peer, ASYNC, 100, count, profile),
            ),
        ]
    finally:
        peer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument(
        "--peer",
        action="append",
        choices=["sandbox", "smpp34", "netsmpp"],
        help="repeatable; default: sandbox and smpp34",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the window-100 run")
    args = parser.parse_args()
    results = {
        name: bench_peer(name, args.count, args.profile)
        for name in args.peer or ["sandbox", "smpp34"]
    }
    for name, rows in results.items():
        print(f"\n{name} peer, {args.count} single-part messages (msg/s)")
        for label, rate in rows:
            print(f"  {label:<42} {rate:>9,.0f}")


if __name__ == "__main__":
    main()
