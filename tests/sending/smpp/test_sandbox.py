"""The sandbox SMSC command, and the cases only the sandbox can play: TLS and a hung SMSC."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter

import pytest

from profiles.choices import BindMode
from sending.transports.base import OutgoingMessage, SendResult, TransportError
from sending.transports.smpp.transport import SmppTransport
from tests.peers.smsc import ROOT
from tests.peers.tls import self_signed_certificate
from tests.support import ListSink


def test_it_shows_what_the_sandbox_received(make_profile):
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "smsc_sandbox",
            "--port",
            "0",
            "--system-id",
            "demo",
            "--password",
            "demo-pw",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = process.stdout.readline()
        port = int(re.search(r"127\.0\.0\.1:(\d+)", first).group(1))
        profile = make_profile(port=port, username="demo", password="demo-pw")
        with SmppTransport(profile) as transport:
            result = transport.send(OutgoingMessage("+4915112345678", "ACME", "Hi sandbox"))
        time.sleep(0.3)
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "bind_transmitter demo: ok" in output
    assert (
        f"submit_sm ACME -> 4915112345678 dc=0 esm=0x00 10 octets: id {result.provider_ids[0]}"
        in output
    )
    assert "unbind" in output


def test_it_resends_what_a_hung_smsc_never_answered(start_smsc, smpp_profile):
    peer = start_smsc("sandbox", stall_after=20, no_receipts=True)
    profile = smpp_profile(peer, window_size=10, response_timeout=1, enquire_link_interval=30)
    transport = SmppTransport(profile)
    started = time.monotonic()
    with transport:
        outcomes = [
            o
            for _m, o in transport.send_many(
                OutgoingMessage(f"+4915{100000000 + i}", "ACME", f"n{i}") for i in range(50)
            )
        ]
    assert time.monotonic() - started >= 1.0  # it waited for the response timeout
    assert len(outcomes) == 50 and all(isinstance(o, SendResult) for o in outcomes)
    assert transport.session.reconnects == 1
    submits = peer.wait_for(lambda: len(peer.accepted()) >= 50 and peer.events("submit_sm"))
    assert 1 <= len([r for r in submits if r["status"] == -2]) <= 10  # at most the window
    counts = Counter(r["destination_addr"] for r in submits if r["status"] == 0)
    assert len(counts) == 50 and set(counts.values()) == {1}


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1."""
    return self_signed_certificate(tmp_path)


def test_it_sends_over_tls(start_smsc, smpp_profile, certificate):
    peer = start_smsc("sandbox", tls_cert=certificate[0], tls_key=certificate[1])
    profile = smpp_profile(peer, use_tls=True, verify_tls=False)
    with SmppTransport(profile) as transport:
        result = transport.send(OutgoingMessage("+4915112345678", "ACME", "over TLS"))
    accepted = peer.wait_for(peer.accepted)
    assert result.provider_ids == [accepted[0]["message_id"]]


def test_it_refuses_an_unverifiable_certificate_permanently(start_smsc, smpp_profile, certificate):
    peer = start_smsc("sandbox", tls_cert=certificate[0], tls_key=certificate[1])
    report = SmppTransport(smpp_profile(peer, use_tls=True, verify_tls=True)).check_connection()
    assert not report.ok
    assert "TLS error" in report.steps[0].detail
    assert "certificate verify failed (self-signed certificate)" in report.steps[0].detail
    with pytest.raises(TransportError) as caught:
        SmppTransport(smpp_profile(peer, use_tls=True, verify_tls=True)).open()
    assert caught.value.permanent and caught.value.code == "tls"


def test_it_keeps_a_receipt_until_a_receiving_bind_opens(start_smsc, smpp_profile):
    """As an SMSC does: a receipt due while no receiver or transceiver bind is open waits."""
    peer = start_smsc("sandbox", receipt_delay=0.1)
    sender = smpp_profile(peer, bind_mode=BindMode.TRANSMITTER, enquire_link_interval=30)
    receiving = smpp_profile(peer, bind_mode=BindMode.TRANSCEIVER, enquire_link_interval=30)
    with SmppTransport(sender) as transport:
        result = transport.send(OutgoingMessage("+4915112345678", "ACME", "Kept receipt"))
    time.sleep(0.5)  # the receipt fell due with nobody to take it
    assert not peer.events("deliver_sm_resp")

    sink = ListSink()
    with SmppTransport(receiving, sink=sink) as transport:
        transport.open()
        transport.poll_receipts(2)
    receipts = sink.written

    assert [receipt.provider_id for receipt in receipts] == result.provider_ids
    assert receipts[0].delivered
