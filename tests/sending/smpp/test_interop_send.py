"""SmppTransport against SMSCs written by others (and our sandbox): sending.

Each case runs against every peer that can play its part (see CAPABILITIES in tests/peers/smsc.py);
the server logs what it received, and the assertions count at the server.
"""

from __future__ import annotations

from collections import Counter

import pytest

from profiles import choices
from sending.transports.base import OutgoingMessage, SendResult, TransportError
from sending.transports.smpp.transport import SmppTransport
from tests.peers.smsc import PEERS, peers_with, reassemble

pytestmark = pytest.mark.peer


def _messages(count: int, text: str = "Hello {i}") -> list[OutgoingMessage]:
    return [
        OutgoingMessage(
            to=f"+4915{100000000 + i}", sender="ACME", text=text.format(i=i), reference=str(i)
        )
        for i in range(count)
    ]


def _send_all(profile, messages) -> dict[str, SendResult]:
    outcomes = {}
    with SmppTransport(profile) as transport:
        for message, outcome in transport.send_many(messages):
            assert message.reference not in outcomes, "a message was reported twice"
            outcomes[message.reference] = outcome
    return outcomes


@pytest.mark.parametrize("peer_name", PEERS)
def test_it_takes_the_message_id_from_submit_sm_resp(peer_name, start_smsc, smpp_profile):
    peer = start_smsc(peer_name)
    profile = smpp_profile(peer)
    with SmppTransport(profile) as transport:
        result = transport.send(OutgoingMessage("+4915112345678", "ACME", "Hello there"))
    accepted = peer.wait_for(peer.accepted)
    assert result.provider_ids == [accepted[0]["message_id"]]
    assert accepted[0]["destination_addr"] == "4915112345678"
    assert (accepted[0]["source_addr_ton"], accepted[0]["source_addr_npi"]) == (5, 0)
    assert bytes.fromhex(accepted[0]["short_message"]) == b"Hello there"  # GSM, unpacked


@pytest.mark.parametrize(
    "mode,window",
    [
        (choices.ProcessingMode.SYNCHRONOUS, 1),
        (choices.ProcessingMode.ASYNCHRONOUS, 10),
        (choices.ProcessingMode.ASYNCHRONOUS, 100),
    ],
    ids=["sync", "window10", "window100"],
)
@pytest.mark.parametrize("peer_name", PEERS)
def test_it_delivers_1000_messages_exactly_once(peer_name, mode, window, start_smsc, smpp_profile):
    peer = start_smsc(peer_name, no_receipts=True)
    profile = smpp_profile(peer, processing_mode=mode, window_size=window)
    messages = _messages(1000)
    outcomes = _send_all(profile, messages)

    assert len(outcomes) == 1000
    assert all(isinstance(o, SendResult) for o in outcomes.values())
    accepted = peer.wait_for(lambda: len(peer.accepted()) >= 1000 and peer.accepted())
    counts = Counter(r["destination_addr"] for r in accepted)
    assert len(counts) == 1000 and set(counts.values()) == {1}
    ids_at_server = {r["destination_addr"]: r["message_id"] for r in accepted}
    for message in messages:
        assert outcomes[message.reference].provider_ids == [ids_at_server[message.to[1:]]]


LONG_GSM = "Grüße aus Köln: [Preis 10€] " + "0123456789" * 44  # 471 septets
UCS2 = "Привет, мир! Ваш код: 4711 🙂"
THREE_PARTS = "Part text. " * 40  # 440 septets -> 3 parts of at most 153


@pytest.mark.parametrize("method", ["udh", "sar", "payload"])
@pytest.mark.parametrize("peer_name", PEERS)
def test_it_sends_gsm_ucs2_and_long_messages_that_reassemble(
    peer_name, method, start_smsc, smpp_profile
):
    peer = start_smsc(peer_name, no_receipts=True)
    profile = smpp_profile(peer, long_message_method=method, window_size=10)
    texts = {
        "4915100000001": "Plain GSM text @£$",
        "4915100000002": UCS2,
        "4915100000003": THREE_PARTS,
        "4915100000004": LONG_GSM,
    }
    messages = [OutgoingMessage("+" + to, "ACME", text, reference=to) for to, text in texts.items()]
    outcomes = _send_all(profile, messages)

    expected_parts = {"udh": [1, 1, 3, 4], "sar": [1, 1, 3, 3], "payload": [1, 1, 1, 1]}[method]
    assert [len(outcomes[to].provider_ids) for to in texts] == expected_parts
    assert outcomes["4915100000002"].encoding == "ucs2"
    accepted = peer.wait_for(
        lambda: len(peer.accepted()) >= sum(expected_parts) and peer.accepted()
    )
    assert reassemble(accepted) == texts
    codings = {r["destination_addr"]: r["data_coding"] for r in accepted}
    assert codings == {
        "4915100000001": 0,
        "4915100000002": 8,
        "4915100000003": 0,
        "4915100000004": 0,
    }


@pytest.mark.parametrize("peer_name", peers_with("throttle"))
def test_it_slows_down_and_resends_when_throttled(peer_name, start_smsc, smpp_profile):
    peer = start_smsc(peer_name, throttle_every=7, no_receipts=True)
    profile = smpp_profile(peer, window_size=10, max_retries=5)
    outcomes = _send_all(profile, _messages(200))

    assert all(isinstance(o, SendResult) for o in outcomes.values())
    submits = peer.wait_for(lambda: len(peer.accepted()) >= 200 and peer.events("submit_sm"))
    throttled = [r for r in submits if r["status"] == 0x58]
    assert len(throttled) >= 28  # every 7th of 200 + resends
    counts = Counter(r["destination_addr"] for r in peer.accepted())
    assert len(counts) == 200 and set(counts.values()) == {1}


@pytest.mark.parametrize("peer_name", ["sandbox"])
def test_it_gives_up_with_a_readable_throttling_error(peer_name, start_smsc, smpp_profile):
    peer = start_smsc(peer_name, throttle_every=1)
    profile = smpp_profile(peer, max_retries=2, retry_map={"ESME_RTHROTTLED": 45})
    outcomes = _send_all(profile, _messages(1))
    error = outcomes["0"]
    assert isinstance(error, TransportError)
    assert error.reason == "ESME_RTHROTTLED (0x58): throttled"
    assert (error.permanent, error.code, error.retry_after) == (False, "ESME_RTHROTTLED", 45.0)
    assert len(peer.events("submit_sm")) == 3  # the first attempt and two slower retries
