"""Inbound messages and unmatched receipts in headless Chromium, filled the way the receiver fills
them: smpplib-encoded deliver_sm bodies through the receiver's store."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from sending.models import InboundMessage, Message, UnmatchedReceipt
from sending.receiver.store import store_deliveries
from sending.transports.smpp import codec
from sending.transports.smpp.codec import HEADER_SIZE
from tests.support import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HANDSET = "4915112345678"
CHANGE_PAGE = re.compile(r"/\d+/change/")


def _deliver_sm(short_message: bytes, *, source=HANDSET, esm_class=0, data_coding=0, **tlvs):
    pdu = codec.encode(
        "deliver_sm", 1, source_addr=source, source_addr_ton=1, destination_addr="4930555",
        esm_class=esm_class, data_coding=data_coding, short_message=short_message, **tlvs,
    )  # fmt: skip
    return pdu[HEADER_SIZE:]


def _receipt(provider_id: str, stat: str) -> bytes:
    text = f"id:{provider_id} sub:001 dlvrd:000 submit date:2412011200 done date:2412011201 "
    return _deliver_sm(f"{text}stat:{stat} err:000".encode(), esm_class=0x04)


@pytest.fixture
def provider_traffic(make_profile):
    profile = make_profile(name="Shop SMPP", stop_reply="You will get no more messages.")
    Message.objects.create(
        profile=profile, to="+4915122222222", text="Your parcel is ready. Collect it?",
        status=Message.Status.DELIVERED, sent_at=timezone.now(),
    )  # fmt: skip
    udh = bytes([5, 0, 3, 0x2A, 3])
    store_deliveries(
        profile,
        [
            _deliver_sm(b"STOP"),
            _deliver_sm(b"Yes, tomorrow at 10 please", source="4915122222222"),
            _deliver_sm(udh + b"\x01" + "Ceci est la première partie, ".encode("utf-16-be"),
                        source="33612345678", esm_class=0x40, data_coding=8),
            _deliver_sm(udh + b"\x03" + "et la troisième.".encode("utf-16-be"),
                        source="33612345678", esm_class=0x40, data_coding=8),
            _receipt("7F3A9C", "DELIVRD"),
            _receipt("0000123456", "UNDELIV"),
        ],
    )  # fmt: skip
    # An hour passes: the long message is still missing its second part, the first receipt
    # has waited longer than any part would take to be recorded.
    hour_ago = timezone.now() - timedelta(hours=1)
    InboundMessage.objects.filter(complete=False).update(received_at=hour_ago)
    UnmatchedReceipt.objects.filter(provider_id="7F3A9C").update(received_at=hour_ago)
    return profile


def _log_in(page, live_server):
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("pw-root-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def test_it_lists_inbound_messages_with_their_state_search_and_filters(
    page, live_server, superuser, provider_traffic
):
    _log_in(page, live_server)
    page.get_by_role("link", name="Inbound messages").click()
    page.wait_for_url("**/sending/inboundmessage/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 3
    stop = rows.filter(has_text="STOP")
    assert "Added to the opt-out list" in stop.inner_text()
    reply = rows.filter(has_text="Yes, tomorrow at 10 please")
    # Linked to the message it answers (shown as that message: its number and state).
    assert "+4915122222222 · Delivered" in reply.inner_text()
    assert "· Delivered" not in stop.inner_text()  # nothing was sent to that number
    long = rows.filter(has_text="+33612345678")
    assert "Incomplete: 2 of 3 parts" in long.inner_text()
    assert "Ceci est la première partie, […] et la troisième." in long.inner_text()
    screenshot(page, "inbound-1-list")

    page.get_by_role("link", name="Incomplete").click()
    page.wait_for_url("**parts=incomplete*")
    assert rows.count() == 1 and "+33612345678" in rows.first.inner_text()

    page.goto(f"{live_server.url}/admin/sending/inboundmessage/")
    page.locator("#searchbar").fill("tomorrow")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=tomorrow*")
    assert rows.count() == 1 and "Yes, tomorrow" in rows.first.inner_text()
    screenshot(page, "inbound-2-search")

    page.goto(f"{live_server.url}/admin/sending/inboundmessage/")
    assert page.get_by_role("link", name="Add inbound message").count() == 0  # receiver-written
    stop.locator("a").first.click()
    page.wait_for_url(CHANGE_PAGE)
    detail = page.locator("#content").inner_text()
    assert "STOP" in detail and "Added to the opt-out list" in detail
    screenshot(page, "inbound-3-detail")


def test_it_lists_unmatched_receipts_waiting_or_given_up(
    page, live_server, superuser, provider_traffic
):
    _log_in(page, live_server)
    page.get_by_role("link", name="Unmatched receipts").click()
    page.wait_for_url("**/sending/unmatchedreceipt/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    old = rows.filter(has_text="7F3A9C")
    assert "DELIVRD" in old.inner_text() and "No message has this id" in old.inner_text()
    fresh = rows.filter(has_text="0000123456")
    assert "UNDELIV" in fresh.inner_text() and "Waiting for its message" in fresh.inner_text()
    screenshot(page, "unmatched-receipts-1-list")

    page.locator("#searchbar").fill("7F3A9C")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=7F3A9C*")
    assert rows.count() == 1
    rows.first.locator("a").first.click()
    page.wait_for_url(CHANGE_PAGE)
    assert "stat:DELIVRD" in page.locator("#content").inner_text()  # the receipt text as it came
    screenshot(page, "unmatched-receipts-2-detail")
