"""Send test SMS in headless Chromium, end to end: the form, a real Celery worker, the Net::SMPP
SMSC, and the result page polling until the delivery receipt shows."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker

from smsportal.celery import app as celery_app
from tests.peers.smsc import smpp_profile, start_peer
from tests.support import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.peer, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    screenshot(page, f"sending-{name}")


def _log_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("pw-root-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def test_it_sends_a_test_sms_and_shows_the_receipt(
    page, live_server, superuser, make_profile, tmp_path, redis_url, settings
):
    from profiles.models import DataObject

    settings.SMSPORTAL_TEST_RECEIPT_WAIT = 10
    celery_app.conf.broker_url = redis_url
    DataObject.objects.create(key="customer.first_name", label="First name", sample_value="Ada")
    with (
        start_peer("netsmpp", tmp_path / "smsc.log") as peer,
        start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"),
    ):
        profile = smpp_profile(make_profile, peer, name="Sandbox SMSC", bind_mode="transceiver")
        _log_in(page, live_server)

        page.goto(f"{live_server.url}/admin/sending/message/test-connection/{profile.pk}/")
        page.get_by_role("button", name="Test connection").click()
        page.get_by_text("Connection OK").wait_for()
        _shot(page, "test-connection")

        page.get_by_role("link", name="Send test SMS").click()
        assert page.get_by_label("Sample data").input_value() == "customer.first_name=Ada"
        page.get_by_label("Mobile number").fill("+33 6 12 34 56 78")
        _shot(page, "send-test-form")
        page.get_by_role("button", name="Send test SMS").click()

        page.locator("#test-sms-parts").get_by_text("DELIVRD").wait_for()
        page.locator("#test-sms-status").get_by_text("Delivered").wait_for()
        _shot(page, "send-test-result")
        provider_id = peer.events("submit_sm")[0]["message_id"]
        assert page.locator("#test-sms-parts").get_by_text(provider_id).is_visible()
        assert page.locator("#test-sms-polling").is_hidden()


def test_it_shows_why_the_connection_failed(page, live_server, superuser, make_profile, tmp_path):
    with start_peer("netsmpp", tmp_path / "smsc.log") as peer:
        profile = smpp_profile(make_profile, peer, password="wrong", bind_mode="transceiver")
        _log_in(page, live_server)
        page.goto(f"{live_server.url}/admin/sending/message/test-connection/{profile.pk}/")
        page.get_by_role("button", name="Test connection").click()
        page.get_by_text("Test connection failed").wait_for()
        _shot(page, "test-connection-failed")
