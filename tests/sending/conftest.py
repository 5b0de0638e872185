"""Fixtures of the sending tests: SMSC peers (tests/peers/smsc.py) and the HTTP gateway."""

from __future__ import annotations

import functools

import pytest

from sending.transports.web_url.pool import close_sessions
from tests.peers.http_gateway import HttpGateway
from tests.peers.http_gateway import web_url_profile as build_web_url_profile
from tests.peers.smsc import smpp_profile as build_smpp_profile
from tests.peers.smsc import start_peer


@pytest.fixture
def start_smsc(tmp_path):
    """start_smsc(name, **knobs) -> SmscPeer, stopped after the test; see smsc.start_peer."""
    started = []

    def start(name: str, **knobs):
        peer = start_peer(name, tmp_path / f"{name}-{len(started)}.jsonl", **knobs)
        started.append(peer)
        return peer

    yield start
    for peer in started:
        peer.stop()


@pytest.fixture
def smpp_profile(make_profile):
    """smpp_profile(peer, **fields): a complete SMPP profile pointing at the peer."""
    return functools.partial(build_smpp_profile, make_profile)


@pytest.fixture
def gateway():
    """A scripted HTTP gateway on 127.0.0.1 (tests/peers/http_gateway.py), default answer "OK"."""
    with HttpGateway() as server:
        yield server
    close_sessions()


@pytest.fixture
def web_url_profile(make_profile):
    """web_url_profile(gateway, **fields): a complete Web URL profile for the gateway, which then
    answers with a provider id ("OK id=3e9", "OK id=3ea", …)."""
    return functools.partial(build_web_url_profile, make_profile)
