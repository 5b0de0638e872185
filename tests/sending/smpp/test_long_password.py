"""A password longer than SMPP 3.4's 8 characters (the wizard accepts it with a warning, since
some providers issue them) reaches the SMSC whole."""

from __future__ import annotations

import pytest

from sending.transports.smpp.codec import bind_body
from sending.transports.smpp.transport import SmppTransport
from tests.peers.smsc import SYSTEM_ID, SmscPeer, require, smpp_profile

LONG_PASSWORD = "longer-than-8-chars"

pytestmark = pytest.mark.django_db


def test_it_puts_the_whole_password_in_the_bind():
    assert b"\0" + LONG_PASSWORD.encode() + b"\0" in bind_body(SYSTEM_ID, LONG_PASSWORD)


@pytest.mark.parametrize("peer_name", ["netsmpp", "sandbox"])
def test_it_binds_with_a_password_longer_than_eight_characters(peer_name, tmp_path, make_profile):
    require(peer_name)
    with SmscPeer(peer_name, tmp_path / "smsc.jsonl", SYSTEM_ID, LONG_PASSWORD) as peer:
        report = SmppTransport(smpp_profile(make_profile, peer)).check_connection()
    assert report.ok, [(step.name, step.detail) for step in report.steps]
