"""SmppTransport against SMSCs written by others (and our sandbox): the session.

Binds, refused binds, a connection dropped mid-send, enquire_link both ways, receipts on
transceiver binds, the throughput cap, and Test connection.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter

import pytest

from profiles import choices
from sending.transports.base import OutgoingMessage, SendResult, TransportError
from sending.transports.smpp.transport import SmppTransport
from tests.peers.smsc import PEERS, peers_with
from tests.support import ListSink

pytestmark = pytest.mark.peer


def _messages(count: int) -> list[OutgoingMessage]:
    return [
        OutgoingMessage(f"+4915{100000000 + i}", "ACME", f"Message {i}", reference=str(i))
        for i in range(count)
    ]


@pytest.mark.parametrize("peer_name", peers_with("credentials"))
def test_it_names_a_refused_bind_and_does_not_retry_it(peer_name, start_smsc, smpp_profile):
    peer = start_smsc(peer_name)
    profile = smpp_profile(peer, password="wrong-pw")
    with pytest.raises(TransportError) as caught:
        SmppTransport(profile).open()
    error = caught.value
    assert error.permanent
    assert error.code == "ESME_RINVPASWD"
    assert "ESME_RINVPASWD (0x0E): invalid password" in error.reason
    outcomes = list(SmppTransport(profile).send_many(_messages(3)))
    assert [o.code for _m, o in outcomes] == ["ESME_RINVPASWD"] * 3
    assert len(peer.events("bind")) == 2  # one attempt per transport: no reconnect storm


@pytest.mark.parametrize("bind_mode", [choices.BindMode.TRANSMITTER, choices.BindMode.TRANSCEIVER])
@pytest.mark.parametrize("peer_name", PEERS)
def test_it_binds_in_the_profiles_mode(peer_name, bind_mode, start_smsc, smpp_profile):
    peer = start_smsc(peer_name)
    profile = smpp_profile(peer, bind_mode=bind_mode, system_type="VMA")
    with SmppTransport(profile):
        pass
    binds = peer.wait_for(lambda: peer.events("bind"))
    assert [(b["mode"], b["system_id"], b["status"]) for b in binds] == [
        (bind_mode, "smppclient1", 0)
    ]
    if peer_name == "netsmpp":  # the peer that logs every bind field
        assert (binds[0]["system_type"], binds[0]["interface_version"]) == ("VMA", 0x34)


@pytest.mark.parametrize("window", [1, 10])
@pytest.mark.parametrize("peer_name", peers_with("drop"))
def test_it_reconnects_and_resends_only_unanswered_parts(
    peer_name, window, start_smsc, smpp_profile
):
    peer = start_smsc(peer_name, drop_after=150, no_receipts=True)
    mode = (
        choices.ProcessingMode.SYNCHRONOUS if window == 1 else choices.ProcessingMode.ASYNCHRONOUS
    )
    delay = 0 if window == 1 else 1
    profile = smpp_profile(peer, processing_mode=mode, window_size=window, reconnect_delay=delay)
    transport = SmppTransport(profile)
    started = time.monotonic()
    with transport:
        outcomes = {m.reference: o for m, o in transport.send_many(_messages(300))}
    assert time.monotonic() - started >= delay  # it waited the reconnect delay

    assert len(outcomes) == 300 and all(isinstance(o, SendResult) for o in outcomes.values())
    assert transport.session.reconnects == 1
    submits = peer.wait_for(lambda: len(peer.accepted()) >= 300 and peer.events("submit_sm"))
    dropped = [r for r in submits if r["status"] == -1]
    assert len(dropped) == 1
    counts = Counter(r["destination_addr"] for r in submits if r["status"] == 0)
    assert len(counts) == 300  # nothing lost
    # Nothing twice, except what was in flight when the SMSC dropped us: its close can reset
    # the connection and destroy responses already sent but not yet read (gateway-notes: at
    # most the window can be duplicated after a lost connection).
    twice = [address for address, n in counts.items() if n > 1]
    assert set(counts.values()) <= {1, 2} and len(twice) < window
    # The unanswered part went again on the new bind, and its message says it may arrive twice
    # (so do the others in flight at the drop, and none else).
    again = [r for r in submits if r["destination_addr"] == dropped[0]["destination_addr"]]
    assert [r["status"] for r in again] == [-1, 0]
    assert len({r["session"] for r in submits}) == 2
    flagged = {int(ref) for ref, outcome in outcomes.items() if outcome.possibly_duplicate}
    twice_refs = {int(address) - 4915100000000 for address in twice}
    assert int(dropped[0]["destination_addr"]) - 4915100000000 in flagged
    assert twice_refs <= flagged and 1 <= len(flagged) <= window


@pytest.mark.parametrize("peer_name", peers_with("server_enquire"))
def test_it_answers_enquire_link_from_the_smsc(peer_name, start_smsc, smpp_profile):
    peer = start_smsc(peer_name, enquire_interval=0.2)
    profile = smpp_profile(peer, enquire_link_interval=30)
    with SmppTransport(profile) as transport:
        transport.poll_receipts(1.2)
        result = transport.send(OutgoingMessage("+4915112345678", "ACME", "still bound"))
    assert result.provider_ids
    assert len(peer.events("enquire_link_resp")) >= 3


@pytest.mark.parametrize("peer_name", PEERS)
def test_it_sends_enquire_link_while_idle(peer_name, start_smsc, smpp_profile):
    peer = start_smsc(peer_name)
    profile = smpp_profile(peer, enquire_link_interval=1)
    with SmppTransport(profile) as transport:
        transport.poll_receipts(2.6)
        assert transport.session.conn is not None  # every enquire_link was answered
        assert transport.session.reconnects == 0
        transport.send(OutgoingMessage("+4915112345678", "ACME", "after a pause"))
    if peer_name != "smpp34":  # smpp34's core answers enquire_link without telling the script
        assert len(peer.events("enquire_link")) >= 2


@pytest.mark.parametrize("peer_name", peers_with("receipts"))
def test_it_collects_delivery_receipts_on_a_transceiver_bind(peer_name, start_smsc, smpp_profile):
    peer = start_smsc(peer_name)
    profile = smpp_profile(peer, bind_mode=choices.BindMode.TRANSCEIVER)
    sink = ListSink()
    received = sink.written
    with SmppTransport(profile, sink=sink) as transport:
        results = [
            transport.send(OutgoingMessage("+4915112345678", "ACME", "short one")),
            transport.send(OutgoingMessage("+4915112345679", "ACME", "long one " * 40)),
        ]
        ids = [pid for result in results for pid in result.provider_ids]
        deadline = time.monotonic() + 10
        while len(received) < len(ids) and time.monotonic() < deadline:
            transport.poll_receipts(0.2)
    assert len(ids) == 4
    assert sorted(r.provider_id for r in received) == sorted(ids)
    assert all(r.status == "DELIVRD" and r.delivered and r.final for r in received)
    assert (
        len(
            peer.wait_for(
                lambda: len(peer.events("deliver_sm_resp")) >= 4 and peer.events("deliver_sm_resp")
            )
        )
        == 4
    )


def _assert_rate(peer, parts: int, cap: float) -> None:
    """The SMSC got `parts` parts at the cap: never more than cap × 1.05 within any second
    (counted from each arrival on), and no slower than 0.85 × cap overall."""
    stamps = sorted(
        r["at"] for r in peer.wait_for(lambda: len(peer.accepted()) >= parts and peer.accepted())
    )
    assert len(stamps) == parts
    busiest = max(sum(1 for t in stamps if start <= t < start + 1.0) for start in stamps)
    assert busiest <= cap * 1.05, f"{busiest} parts within one second at a cap of {cap}/s"
    rate = (parts - 1) / (stamps[-1] - stamps[0])
    assert rate >= cap * 0.85, f"{rate:.1f} parts/s at a cap of {cap}/s"


@pytest.mark.parametrize("peer_name", ["sandbox"])  # the peer that logs when each part arrived
def test_it_keeps_to_the_throughput_cap(peer_name, start_smsc, smpp_profile):
    peer = start_smsc(peer_name, no_receipts=True)
    profile = smpp_profile(peer, throughput=100, window_size=50)
    with SmppTransport(profile) as transport:
        outcomes = list(transport.send_many(_messages(250)))
    assert len(outcomes) == 250 and all(isinstance(o, SendResult) for _m, o in outcomes)
    _assert_rate(peer, 250, 100)


@pytest.mark.parametrize("peer_name", ["sandbox"])
def test_it_counts_the_throughput_cap_in_parts_not_messages(peer_name, start_smsc, smpp_profile):
    peer = start_smsc(peer_name, no_receipts=True)
    profile = smpp_profile(peer, throughput=20, window_size=10)
    long_text = "three parts " * 35  # 420 septets
    with SmppTransport(profile) as transport:
        outcomes = list(
            transport.send_many(
                OutgoingMessage(f"+49151000000{i:02d}", "ACME", long_text) for i in range(10)
            )
        )
    assert [len(o.provider_ids) for _m, o in outcomes] == [3] * 10
    _assert_rate(peer, 30, 20)  # 10 "messages" a second would be 30 parts within a second


# Test connection ---------------------------------------------------------------------------------


@pytest.mark.parametrize("peer_name", PEERS)
def test_it_checks_a_connection_step_by_step(peer_name, start_smsc, smpp_profile):
    peer = start_smsc(peer_name)
    report = SmppTransport(smpp_profile(peer)).check_connection()
    assert report.ok
    assert [s.name for s in report.steps] == ["Bind", "enquire_link", "Unbind"]
    assert all(0 <= s.seconds < 2 for s in report.steps)


@pytest.mark.parametrize("peer_name", peers_with("credentials"))
def test_it_reports_a_wrong_password(peer_name, start_smsc, smpp_profile):
    peer = start_smsc(peer_name)
    report = SmppTransport(smpp_profile(peer, password="nope")).check_connection()
    assert not report.ok
    assert [s.name for s in report.steps] == ["Bind"]
    assert "ESME_RINVPASWD (0x0E): invalid password" in report.steps[0].detail


def test_it_reports_a_refused_connection(make_profile):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    report = SmppTransport(make_profile(port=port)).check_connection()
    assert not report.ok
    assert "refused" in report.steps[0].detail and f"127.0.0.1:{port}" in report.steps[0].detail


@pytest.fixture
def silent_server():
    """Accepts TCP connections and never says a word (an SMSC behind a broken proxy)."""
    server = socket.create_server(("127.0.0.1", 0))
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_it_reports_a_bind_timeout_quickly(make_profile, silent_server):
    profile = make_profile(port=silent_server, bind_timeout=1)
    started = time.monotonic()
    report = SmppTransport(profile).check_connection()
    assert time.monotonic() - started < 3
    assert not report.ok and "timeout" in report.steps[0].detail


@pytest.mark.parametrize("peer_name", ["sandbox"])
def test_it_reports_a_tls_error(peer_name, start_smsc, smpp_profile):
    peer = start_smsc(peer_name)  # speaks plain SMPP, so the TLS handshake fails
    report = SmppTransport(smpp_profile(peer, use_tls=True)).check_connection()
    assert not report.ok
    assert report.steps[0].detail.startswith("TLS error with 127.0.0.1:")


def test_it_answers_an_unbind_from_the_smsc_and_binds_again(start_smsc, smpp_profile):
    peer = start_smsc("smpp34", unbind_after=5, no_receipts=True)  # only smpp34 can unbind us
    transport = SmppTransport(smpp_profile(peer, window_size=1))
    with transport:
        outcomes = {m.reference: o for m, o in transport.send_many(_messages(20))}
    assert all(isinstance(o, SendResult) for o in outcomes.values())
    assert transport.session.reconnects == 1
    counts = Counter(
        r["destination_addr"]
        for r in peer.wait_for(lambda: len(peer.accepted()) >= 20 and peer.accepted())
    )
    assert len(counts) == 20 and set(counts.values()) == {1}
