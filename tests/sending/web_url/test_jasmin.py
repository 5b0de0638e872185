"""The Jasmin preset against a stand-in applying Jasmin's /send rules (tests/peers/jasmin_http.py)
on a real HTTP server: GSM text goes as `content` with coding=0, UCS-2 as `hex-content` with
coding=8, and what a phone shows is the text that was sent."""

from __future__ import annotations

import pytest

from sending.transports import WEB_URL
from sending.transports.base import OutgoingMessage, TransportError
from sending.transports.web_url.presets import PRESETS
from sending.transports.web_url.transport import WebUrlTransport
from tests.peers.jasmin_http import JasminSend

PRESET_BASE = "http://127.0.0.1:1401/send"
ARABIC = "مرحبا، طردك وصل"
GSM = "Parcel [A-17] arrived: 12€ due {today} ~ ok"


@pytest.fixture
def jasmin(gateway):
    gateway.responder = JasminSend("acme", "jpass")
    return gateway.responder


@pytest.fixture
def jasmin_profile(make_profile, gateway, jasmin):
    def factory(**fields):
        values = {k: v for k, v in PRESETS["jasmin"].items() if k != "label"}
        values["url"] = values["url"].replace(PRESET_BASE, gateway.url + "/send")
        values |= {"username": "acme", "password": "jpass"} | fields
        return make_profile(protocol=WEB_URL, **values)

    return factory


def send(profile, *texts):
    with WebUrlTransport(profile) as transport:
        return [
            transport.send(OutgoingMessage(to="+4915112345678", sender="ACME", text=t))
            for t in texts
        ]


def test_it_sends_arabic_as_hex_content_with_coding_8(jasmin_profile, gateway, jasmin):
    (result,) = send(jasmin_profile(), ARABIC)

    (request,) = gateway.requests
    assert request.params["coding"] == "8" and "content" not in request.params
    assert request.params["hex-content"] == ARABIC.encode("utf-16-be").hex().upper()
    assert jasmin.handset_texts() == [ARABIC]
    assert result.encoding == "ucs2" and len(result.provider_ids[0]) == 36  # Jasmin's uuid


def test_it_sends_gsm_text_as_content_with_coding_0(jasmin_profile, gateway, jasmin):
    (result,) = send(jasmin_profile(), GSM)

    (request,) = gateway.requests
    assert request.params["coding"] == "0" and "hex-content" not in request.params
    assert request.params["content"] == GSM
    assert jasmin.handset_texts() == [GSM]
    assert result.encoding == "gsm7"


def test_it_sends_an_emoji_as_a_surrogate_pair(jasmin_profile, gateway, jasmin):
    send(jasmin_profile(), "Votre colis 📦 est là")
    assert "D83DDCE6" in gateway.requests[0].params["hex-content"]
    assert jasmin.handset_texts() == ["Votre colis 📦 est là"]


def test_one_profile_switches_per_message(jasmin_profile, gateway, jasmin):
    send(jasmin_profile(), GSM, ARABIC, GSM)
    assert [r.params["coding"] for r in gateway.requests] == ["0", "8", "0"]
    assert jasmin.handset_texts() == [GSM, ARABIC, GSM]


def test_the_former_content_only_preset_garbles_arabic(jasmin_profile, gateway, jasmin):
    # What the preset sent before: content={text}, no coding. The stand-in must show the damage.
    url = gateway.url + "/send?username={username}&password={password}&to={to}&content={text}"
    send(jasmin_profile(url=url), ARABIC)
    (shown,) = jasmin.handset_texts()
    assert set(shown) == {"?", " "}  # "?????? ???? ???"


def test_it_fails_permanently_on_a_wrong_password(jasmin_profile, gateway):
    with pytest.raises(TransportError) as failure:
        send(jasmin_profile(password="wrong"), GSM)
    assert failure.value.permanent
    assert "Authentication failure for username:acme" in str(failure.value)
