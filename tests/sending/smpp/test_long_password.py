"""A password longer than SMPP 3.4's 8 characters (the wizard accepts it with a warning, since
some providers issue them) reaches the SMSC whole."""

from __future__ import annotations

import pytest
from smpplib import command

from sending.transports.smpp import codec
from sending.transports.smpp.transport import SmppTransport
from tests.peers.smsc import SYSTEM_ID, SmscPeer, require, smpp_profile

LONG_PASSWORD = "longer-than-8-chars"

pytestmark = pytest.mark.django_db


def test_it_puts_the_whole_password_in_the_bind():
    for name in ("bind_transmitter", "bind_transceiver", "bind_receiver"):
        pdu = codec.encode(name, 1, system_id=SYSTEM_ID, password=LONG_PASSWORD)
        assert b"\0" + LONG_PASSWORD.encode() + b"\0" in pdu
    # Why the codec subclasses smpplib's bind: smpplib alone cuts it to SMPP 3.4's 8 characters.
    stock = command.BindTransmitter("bind_transmitter", sequence=1, password=LONG_PASSWORD)
    assert b"\0" + LONG_PASSWORD[:8].encode() + b"\0" in stock.generate()


def test_it_sends_the_profiles_interface_version():
    pdu = codec.encode("bind_transmitter", 1, system_id=SYSTEM_ID, interface_version=0x33)
    assert codec.decode(*_header(pdu), pdu[16:]).interface_version == 0x33


def _header(pdu: bytes) -> tuple[int, int, int]:
    _length, command_id, status, sequence = codec.HEADER.unpack_from(pdu)
    return command_id, status, sequence


@pytest.mark.parametrize("peer_name", ["netsmpp", "sandbox"])
def test_it_binds_with_a_password_longer_than_eight_characters(peer_name, tmp_path, make_profile):
    require(peer_name)
    with SmscPeer(peer_name, tmp_path / "smsc.jsonl", SYSTEM_ID, LONG_PASSWORD) as peer:
        report = SmppTransport(smpp_profile(make_profile, peer)).check_connection()
    assert report.ok, [(step.name, step.detail) for step in report.steps]
