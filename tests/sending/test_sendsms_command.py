"""`manage.py sendsms` sends one message synchronously through a real gateway on 127.0.0.1."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from profiles.models import SmsSettings
from sending.models import Message
from tests.peers.http_gateway import Reply

pytestmark = pytest.mark.django_db


def _sendsms(*args) -> str:
    out = StringIO()
    call_command("sendsms", *args, stdout=out)
    return out.getvalue()


def test_it_sends_through_the_named_profile_and_prints_the_provider_id(web_url_profile, gateway):
    profile = web_url_profile(gateway, name="Marketing EU", multilingual=True)
    profile.message_fr = "Bonjour {{ customer.first_name }}"
    profile.save()
    out = _sendsms(
        "--profile", "marketing eu", "--to", "+33 6 12 34 56 78", "--lang", "fr",
        "--data", "customer.first_name=Zoé", "invoice.amount=3",
    )  # fmt: skip

    assert "part 1: 3e9" in out
    assert gateway.texts() == ["Bonjour Zoé"]
    message = Message.objects.get()
    assert (message.kind, message.status, message.language) == ("single", "sent", "fr")
    assert message.to == "+33612345678"


def test_it_uses_the_applied_profile_without_profile(web_url_profile, gateway):
    profile = web_url_profile(gateway, is_global=True)
    SmsSettings.load().apply(profile)
    out = _sendsms("--to", "+4915112345678", "--text", "Plain text")

    assert "part 1: 3e9" in out
    assert gateway.texts() == ["Plain text"]


def test_it_exits_with_the_gateway_error(web_url_profile, gateway):
    gateway.script(Reply(503, "queue full"))
    web_url_profile(gateway, name="Busy")
    with pytest.raises(CommandError, match="Not sent: HTTP 503: queue full"):
        _sendsms("--profile", "Busy", "--to", "+4915112345678", "--text", "x")

    message = Message.objects.get()
    assert message.status == Message.Status.FAILED and message.attempts == 1


def test_it_exits_when_a_placeholder_has_no_value(web_url_profile, gateway):
    web_url_profile(gateway, name="Greeting")
    with pytest.raises(CommandError, match="customer.first_name"):
        _sendsms("--profile", "Greeting", "--to", "+4915112345678")
    assert gateway.requests == []


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--profile", "Nope", "--to", "+4915112345678"], "No profile named"),
        (["--to", "+4915112345678"], "No profile is applied"),
        (["--profile", "Greeting", "--to", "12"], "international format"),
        (["--profile", "Greeting", "--to", "+4915112345678", "--data", "oops"], "key=value"),
    ],
)
def test_it_explains_what_is_wrong_with_the_arguments(web_url_profile, gateway, args, error):
    web_url_profile(gateway, name="Greeting")
    with pytest.raises(CommandError, match=error):
        _sendsms(*args)
    assert gateway.requests == []


def test_it_refuses_a_draft_profile(web_url_profile, gateway):
    web_url_profile(gateway, name="Draft", complete=False)
    with pytest.raises(CommandError, match="is a draft"):
        _sendsms("--profile", "Draft", "--to", "+4915112345678", "--text", "x")


@pytest.mark.peer
def test_it_sends_over_smpp_and_prints_each_part_with_its_receipt(start_smsc, smpp_profile):
    text = "A long text: " + "abc " * 80  # 333 GSM characters: 3 parts
    peer = start_smsc("netsmpp")
    smpp_profile(peer, name="Sandbox", bind_mode="transceiver")
    out = _sendsms("--profile", "Sandbox", "--to", "+4915112345678", "--text", text,
                   "--wait", "10")  # fmt: skip
    submits = peer.events("submit_sm")

    ids = [submit["message_id"] for submit in submits]
    assert len(ids) == 3
    assert [line for line in out.splitlines() if line.startswith("part")] == [
        f"part {n}: {pid}  DELIVRD" for n, pid in enumerate(ids, start=1)
    ]
    assert Message.objects.get().status == Message.Status.DELIVERED


@pytest.mark.peer
def test_it_exits_with_the_smpp_bind_error(start_smsc, smpp_profile):
    peer = start_smsc("netsmpp")
    smpp_profile(peer, name="Wrong", password="nope", bind_mode="transceiver")
    with pytest.raises(CommandError, match="Not sent: .*ESME_RINVPASWD"):
        _sendsms("--profile", "Wrong", "--to", "+4915112345678", "--text", "x")


@pytest.fixture
def sandbox():
    """Our own sandbox SMSC (sending/sandbox) in a thread, as `make run` starts it."""
    import asyncio
    import threading

    from sending.sandbox import SandboxOptions, SandboxSmsc

    events: list[dict] = []
    smsc = SandboxSmsc(
        SandboxOptions(port=0, system_id="smppclient1", password="s3cret"), events.append
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(smsc.start(), loop).result(timeout=10)
    serving = asyncio.run_coroutine_threadsafe(smsc.serve_forever(), loop)
    smsc.events = events
    yield smsc
    serving.cancel()
    asyncio.run_coroutine_threadsafe(asyncio.sleep(0.05), loop).result(timeout=5)  # let it unwind
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)


def test_it_sends_the_demo_way_through_the_sandbox_and_the_applied_profile(make_profile, sandbox):
    profile = make_profile(
        name="Sandbox SMSC (demo)", is_global=True, bind_mode="transceiver",
        port=sandbox.port, multilingual=True,
        message_fr="Bonjour {{ customer.first_name }} ✓",
    )  # fmt: skip
    SmsSettings.load().apply(profile)
    out = _sendsms("--to", "+33612345678", "--lang", "fr", "--data", "customer.first_name=Zoé",
                   "--wait", "10")  # fmt: skip

    message = Message.objects.get()
    assert (message.status, message.language, message.encoding) == ("delivered", "fr", "ucs2")
    part = message.parts.get()
    assert f"part 1: {part.provider_id}  DELIVRD" in out
    submit = next(event for event in sandbox.events if event["event"] == "submit_sm")
    assert submit["message_id"] == part.provider_id
