"""Values stored before they were bounded, and secrets the keys cannot read, end in a recorded
outcome with a readable reason: never a row stuck in "sending", never a repr."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.utils import timezone

from profiles.models import SmsProfile
from sending import services, tasks
from sending.models import Message
from tests.peers.http_gateway import Reply

pytestmark = pytest.mark.django_db

UNREADABLE = (
    "The stored password cannot be decrypted with the configured keys; re-enter it in step 2."
)


def _send(profile) -> Message:
    message = tasks.queue_test_message(profile, "+33612345678")
    services.send_message(message.pk)
    message.refresh_from_db()
    return message


def test_a_huge_retry_delay_waits_a_week_at_most(web_url_profile, gateway):
    profile = web_url_profile(gateway, message="Hi", retry_map={"503": 10**26})
    gateway.script(Reply(503, "busy"))
    message = _send(profile)

    assert message.status == Message.Status.RETRYING
    assert message.next_attempt_at <= timezone.now() + timedelta(days=7, seconds=5)


def test_a_huge_retry_after_header_waits_a_week_at_most(web_url_profile, gateway):
    profile = web_url_profile(gateway, message="Hi")
    gateway.script(Reply(503, "busy", headers={"Retry-After": "9" * 40}))
    message = _send(profile)

    assert message.status == Message.Status.RETRYING
    assert message.next_attempt_at <= timezone.now() + timedelta(days=7, seconds=5)


def _unreadable(profile):
    profile.password_encrypted = Fernet(Fernet.generate_key()).encrypt(b"old").decode()
    profile.save()
    return profile


def test_a_password_the_keys_cannot_read_is_a_permanent_readable_failure(
    web_url_profile, gateway, make_profile
):
    web = _unreadable(web_url_profile(gateway, message="Hi"))
    smpp = _unreadable(make_profile(message="Hi"))
    for profile in (web, smpp):
        message = _send(profile)
        assert message.status == Message.Status.FAILED
        assert message.error_reason == UNREADABLE
        assert message.attempts == 1
    assert gateway.requests == []


def test_test_connection_says_the_password_cannot_be_decrypted(make_profile):
    profile = _unreadable(make_profile())
    report = services.check_connection(profile.pk)
    assert not report.ok and report.steps[-1].detail == UNREADABLE
    assert SmsProfile.objects.get(pk=profile.pk).password_encrypted  # nothing deleted
