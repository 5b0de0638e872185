"""Web URL transport against Debian's Kannel (bearerbox + smsbox sendsms) relaying to an SMPP
server written by others (smpp34). Kannel starts once for the module; every test counts what
arrived at the SMPP server, by a tag unique to the test."""

from __future__ import annotations

import importlib.util
import io
import time
import uuid
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sending.transports import WEB_URL
from sending.transports.base import OutgoingMessage, SendResult, TransportError
from sending.transports.web_url.pool import close_sessions
from sending.transports.web_url.presets import PRESETS
from sending.transports.web_url.transport import WebUrlTransport
from tests.peers import kannel as kannel_peer
from tests.peers.smpp_sink import reassemble
from tests.support import need

pytestmark = pytest.mark.peer
PRESET_BASE = "http://127.0.0.1:13013/cgi-bin/sendsms"
QUEUE_LIMIT = 5  # bearerbox answers 503 once this many messages wait for the SMSC


@pytest.fixture(scope="module")
def sink():
    need(kannel_peer.available(), "Kannel not installed (apt-get install kannel)")
    need(
        importlib.util.find_spec("smpp34") is not None, "smpp34 not installed (pip install smpp34)"
    )
    from tests.peers.smpp_sink import SmppSink

    with SmppSink() as server:
        yield server


@pytest.fixture(scope="module")
def kannel(sink):
    with kannel_peer.Kannel(sink.port, queue_limit=QUEUE_LIMIT) as gateway:
        yield gateway
    close_sessions()


@pytest.fixture
def kannel_profile(make_profile, kannel):
    def factory(preset="kannel", password=kannel_peer.PASSWORD, **fields):
        values = {k: v for k, v in PRESETS[preset].items() if k != "label"}
        values["url"] = values["url"].replace(PRESET_BASE, kannel.sendsms_url)
        values.update(fields)
        return make_profile(
            protocol=WEB_URL, username=kannel_peer.USERNAME, password=password, **values
        )

    return factory


def arrived(sink, tag: str, expected: int) -> list[str]:
    """Whole texts carrying `tag` seen by the SMPP server, once `expected` of them are in."""
    deadline = time.monotonic() + 10
    while True:
        texts = [t for t in reassemble(sink.wait_for(0)) if tag in t]
        if len(texts) >= expected or time.monotonic() > deadline:
            if expected == 0:
                time.sleep(0.3)  # give a wrongly sent message the chance to show up
                texts = [t for t in reassemble(sink.wait_for(0)) if tag in t]
            return texts
        time.sleep(0.02)


def messages(tag: str, count: int, text: str = "Hi & + = % [€] #{n} {tag}"):
    return [
        OutgoingMessage(to="+4915112345678", sender="ACME", text=text.format(n=n, tag=tag))
        for n in range(count)
    ]


def test_it_delivers_every_get_exactly_once_through_kannel(kannel_profile, sink):
    tag = uuid.uuid4().hex[:8]
    batch = messages(tag, 40)
    pending, rounds = batch, 0
    with WebUrlTransport(kannel_profile(concurrency=4)) as transport:
        # Kannel may answer 503 when its small queue is full; retry those, as the service does.
        while pending and rounds < 20:
            results = list(transport.send_many(pending))
            assert [r for _m, r in results if isinstance(r, TransportError) and r.permanent] == []
            pending = [m for m, r in results if isinstance(r, TransportError)]
            rounds += 1
            time.sleep(0.1 if pending else 0)

    assert pending == []
    texts = arrived(sink, tag, 40)
    assert Counter(texts) == Counter(m.text for m in batch)  # each exactly once


def test_it_delivers_a_long_text_whole(kannel_profile, sink):
    tag = uuid.uuid4().hex[:8]
    (message,) = messages(tag, 1, text="{tag} " + "A long message, said once. " * 12)
    before = len(sink.received)
    with WebUrlTransport(kannel_profile()) as transport:
        result = transport.send(message)

    new_parts = sink.wait_for(before + 3)[before:]
    assert sorted(p.concatenation[1:] for p in new_parts) == [(3, 1), (3, 2), (3, 3)]
    assert arrived(sink, tag, 1) == [message.text]
    assert result.parts == 3  # our estimate matches Kannel's split


def test_the_preset_sends_text_outside_gsm_as_ucs2_not_question_marks(kannel_profile, sink):
    tag = uuid.uuid4().hex[:8]
    gsm, arabic = messages(tag, 2, text="{tag} #{n} ")
    arabic.text += "مرحبا أمل 👋"
    gsm.text += "Hello Amélie"
    before = len(sink.received)
    with WebUrlTransport(kannel_profile()) as transport:
        assert transport.send(arabic).encoding == "ucs2"
        assert transport.send(gsm).encoding == "gsm7"

    by_text = {reassemble([p])[0]: p for p in sink.wait_for(before + 2)[before:]}
    assert set(arrived(sink, tag, 2)) == {arabic.text, gsm.text}  # no "?" anywhere
    assert by_text[arabic.text].data_coding == 8
    assert by_text[gsm.text].data_coding == 0


def test_it_posts_to_kannel_with_x_kannel_headers_and_a_unicode_body(kannel, kannel_profile, sink):
    tag = uuid.uuid4().hex[:8]
    profile = kannel_profile(url=kannel.sendsms_url, http_method="POST")
    profile.set_headers(
        [
            {"name": "X-Kannel-Username", "value": "{username}"},
            {"name": "X-Kannel-Password", "value": "{password}"},
            {"name": "X-Kannel-To", "value": "{to}"},
            {"name": "X-Kannel-From", "value": "{from}"},
            {"name": "X-Kannel-Coding", "value": "2"},
        ]
    )
    profile.save()
    batch = messages(tag, 5, text="Grüße ünïcødé 😀 #{n} {tag}")

    with WebUrlTransport(profile) as transport:
        results = [transport.send(message) for message in batch]

    assert [r.encoding for r in results] == ["ucs2"] * 5
    assert sorted(arrived(sink, tag, 5)) == sorted(m.text for m in batch)


def test_it_fails_permanently_on_wrong_credentials(kannel_profile, sink):
    tag = uuid.uuid4().hex[:8]
    (message,) = messages(tag, 1)
    with pytest.raises(TransportError) as caught:
        with WebUrlTransport(kannel_profile(password="wrong&pw")) as transport:
            transport.send(message)

    assert caught.value.permanent is True
    assert (caught.value.code, caught.value.reason) == (
        "403",
        "HTTP 403: Authorization failed for sendsms",
    )
    assert arrived(sink, tag, 0) == []


def test_it_fails_permanently_when_kannel_rejects_the_request(kannel_profile):
    profile = kannel_profile(url=kannel_profile().url.replace("&from={from}", ""))
    with pytest.raises(TransportError) as caught:
        with WebUrlTransport(profile) as transport:
            transport.send(messages("x", 1)[0])

    assert caught.value.permanent is True
    assert caught.value.reason == "HTTP 400: Sender missing and no global set, rejected"


def test_it_fails_temporarily_when_kannel_queue_is_full_and_sends_nothing_twice(
    kannel_profile, sink
):
    tag = uuid.uuid4().hex[:8]
    sink.pause()  # the SMSC stops answering: Kannel's window (10) and queue (5) fill up
    try:
        with WebUrlTransport(kannel_profile(concurrency=1)) as transport:
            results = list(transport.send_many(messages(tag, 20)))
    finally:
        sink.resume()

    accepted = [m.text for m, r in results if isinstance(r, SendResult)]
    refused = [r for _m, r in results if isinstance(r, TransportError)]
    assert refused and accepted
    assert {(e.permanent, e.code, e.reason) for e in refused} == {
        (False, "503", "HTTP 503: Temporal failure, try again later.")
    }
    assert sorted(arrived(sink, tag, len(accepted))) == sorted(accepted)


def test_it_times_out_temporarily_and_does_not_resend_on_its_own(kannel, kannel_profile, sink):
    tag = uuid.uuid4().hex[:8]
    (message,) = messages(tag, 1)
    kannel.freeze_bearerbox()  # smsbox takes the request but cannot get an answer
    try:
        with pytest.raises(TransportError) as caught:
            with WebUrlTransport(kannel_profile(request_timeout=1)) as transport:
                transport.send(message)
    finally:
        kannel.thaw_bearerbox()

    assert (caught.value.permanent, caught.value.code) == (False, "timeout")
    # The gateway had the message: it still arrives, once. A retry would be a duplicate, which
    # is why a timeout's reason says only that no answer came.
    assert arrived(sink, tag, 1) == [message.text]


def test_check_connection_reaches_kannel_without_sending(kannel_profile, sink):
    before = len(sink.received)
    report = WebUrlTransport(kannel_profile()).check_connection()

    assert report.ok, report.steps
    assert report.steps[-1].detail.startswith("HTTP ")
    assert "Kannel" in report.steps[-1].detail
    assert len(sink.received) == before


def test_sendsms_sends_through_kannel_and_reports_failures(kannel_profile, sink):
    tag = uuid.uuid4().hex[:8]
    profile = kannel_profile()
    out = io.StringIO()

    call_command("sendsms", "--profile", profile.name, "--to", "+4915112345678",
                 "--text", f"Hello & welcome {tag}", stdout=out)  # fmt: skip

    assert f"via “{profile.name}”: 1 part(s), gsm7" in out.getvalue()
    assert arrived(sink, tag, 1) == [f"Hello & welcome {tag}"]
    profile.password = "wrong"
    profile.save()
    with pytest.raises(CommandError, match="Not sent: HTTP 403: Authorization failed for sendsms"):
        call_command("sendsms", "--profile", profile.name, "--to", "+4915112345678",
                     "--text", f"never {tag}", stdout=io.StringIO())  # fmt: skip
    assert arrived(sink, tag, 1) == [f"Hello & welcome {tag}"]
