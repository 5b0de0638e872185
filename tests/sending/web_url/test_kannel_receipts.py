"""Receipts through a real Kannel: sendsms with the preset's dlr-url, Kannel's transceiver bind to
the Net::SMPP peer, the peer's receipt, Kannel calling our callback on the live server."""

from __future__ import annotations

import time

import pytest

from sending import services, web_receipts
from sending.models import Message
from sending.transports import WEB_URL
from sending.transports.web_url.pool import close_sessions
from sending.transports.web_url.presets import PRESETS
from tests.peers import kannel as kannel_peer
from tests.peers.smsc import SmscPeer, require
from tests.support import need

pytestmark = [pytest.mark.peer, pytest.mark.django_db(transaction=True)]
PRESET_BASE = "http://127.0.0.1:13013/cgi-bin/sendsms"


@pytest.fixture
def kannel_with_receipts(tmp_path):
    need(kannel_peer.available(), "Kannel not installed (apt-get install kannel)")
    require("netsmpp")
    peer = SmscPeer("netsmpp", tmp_path / "netsmpp.jsonl", "kannel", "kannelpw", fail_submit=2)
    try:
        with kannel_peer.Kannel(peer.port, transceiver=True) as gateway:
            yield gateway, peer
    finally:
        close_sessions()
        peer.stop()


def _wait(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.1)
    return predicate()


def test_kannel_reports_delivered_and_failed_messages_to_the_callback(
    kannel_with_receipts, make_profile, live_server, settings
):
    gateway, peer = kannel_with_receipts
    settings.SMSPORTAL_PUBLIC_URL = live_server.url
    values = {k: v for k, v in PRESETS["kannel"].items() if k != "label"}
    values["url"] = values["url"].replace(PRESET_BASE, gateway.sendsms_url)
    profile = make_profile(
        protocol=WEB_URL, username=kannel_peer.USERNAME, password=kannel_peer.PASSWORD, **values
    )
    first = services.create_message(profile, "+4915112345678", text="Delivered one")
    second = services.create_message(profile, "+4915112345679", text="Failed one")
    sent = services.send_messages([first.pk])
    assert sent[0].status == Message.Status.SENT and not sent[0].parts.exists()  # no id back
    assert peer.wait_for(lambda: len(peer.accepted()) == 1)
    services.send_messages([second.pk])  # the peer fails its second submit_sm

    def settled():
        return all(
            Message.objects.get(pk=m.pk).status != Message.Status.SENT for m in (first, second)
        )

    assert _wait(settled), gateway.logs()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Message.Status.DELIVERED
    assert second.status == Message.Status.UNDELIVERED and second.error_code == "001"
    part = first.parts.get()
    assert part.provider_id == peer.accepted()[0]["message_id"]  # Kannel's %F
    assert part.receipt_raw.startswith("id:")  # Kannel's %A: the SMSC's receipt text


def test_a_long_message_through_kannel_settles_on_kannels_one_report_for_it(
    kannel_with_receipts, make_profile, live_server, settings, monkeypatch
):
    # Kannel splits the text itself, asks the SMSC for a receipt on one part only and calls
    # the dlr-url for the message, not per part: that one final report settles it.
    gateway, peer = kannel_with_receipts
    settings.SMSPORTAL_PUBLIC_URL = live_server.url
    reports = []
    handle = web_receipts.handle

    def spy(profile_id, token, reference, params):
        reports.append(params.get("type"))
        return handle(profile_id, token, reference, params)

    monkeypatch.setattr(web_receipts, "handle", spy)
    values = {k: v for k, v in PRESETS["kannel"].items() if k != "label"}
    values["url"] = values["url"].replace(PRESET_BASE, gateway.sendsms_url)
    profile = make_profile(
        protocol=WEB_URL, username=kannel_peer.USERNAME, password=kannel_peer.PASSWORD, **values
    )
    message = services.create_message(profile, "+4915112345678", text="Long " * 80)
    assert message.parts_count == 3

    services.send_messages([message.pk])

    assert peer.wait_for(lambda: len(peer.accepted()) == 3)
    assert _wait(lambda: len(reports) == 2)
    time.sleep(1.0)  # no third report follows
    assert sorted(reports) == ["1", "8"]  # accepted by the SMSC and delivered, in either order
    assert Message.objects.get(pk=message.pk).status == Message.Status.DELIVERED
    part = Message.objects.get(pk=message.pk).parts.get()
    assert (part.provider_id, part.receipt_status) == (peer.accepted()[0]["message_id"], "DELIVRD")
