"""services.send_message and friends against a real HTTP gateway on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sending import services
from sending.models import Message
from tests.peers.http_gateway import HttpGateway, Reply

pytestmark = pytest.mark.django_db


def _queued(profile, to="+33612345678", **kwargs):
    kwargs.setdefault("data", {"customer.first_name": "Ada"})
    message = services.create_message(profile, to, **kwargs)
    assert message.status == Message.Status.QUEUED, message.error_reason
    return message


def test_it_sends_a_queued_message_and_records_its_part(web_url_profile, gateway):
    profile = web_url_profile(gateway, message="Your code is 1234")
    message = services.send_message(_queued(profile).pk)

    assert message.status == Message.Status.SENT
    assert message.attempts == 1 and message.sent_at is not None
    assert [(p.index, p.provider_id) for p in message.parts.all()] == [(1, "3e9")]
    assert gateway.texts() == ["Your code is 1234"]
    assert gateway.requests[0].query["to"] == ["+33612345678"]


def test_it_sends_a_message_only_once_when_asked_twice(web_url_profile, gateway):
    message = _queued(web_url_profile(gateway, message="Once"))
    first = services.send_message(message.pk)
    second = services.send_message(message.pk)

    assert first.status == Message.Status.SENT
    assert second is None
    assert gateway.texts() == ["Once"]
    message.refresh_from_db()
    assert message.attempts == 1


def test_it_fails_the_message_on_a_permanent_error(web_url_profile, gateway):
    gateway.script(Reply(400, "ERR invalid destination"))
    message = services.send_message(_queued(web_url_profile(gateway)).pk)

    assert message.status == Message.Status.FAILED
    assert message.error_code == "400"
    assert message.error_reason == "HTTP 400: ERR invalid destination"
    assert message.finished_at is not None and message.next_attempt_at is None


def test_it_keeps_a_transient_error_retrying_until_the_mapped_delay(web_url_profile, gateway):
    gateway.script(Reply(503, "busy"))
    profile = web_url_profile(gateway, retry_map={"503": 42})
    message = services.send_message(_queued(profile).pk)

    assert message.status == Message.Status.RETRYING
    assert message.error_reason == "HTTP 503: busy"
    assert 40 <= services.seconds_until_retry(message) <= 42
    # Not due yet: a redelivered task cannot send it early.
    assert services.send_message(message.pk) is None
    assert len(gateway.requests) == 1


def test_it_backs_off_exponentially_when_the_error_is_not_mapped(make_profile):
    from sending.transports.base import TransportError

    profile = make_profile(retry_map={})
    error = TransportError("timeout", permanent=False, code="timeout")
    assert [services.retry_delay(profile, error, n) for n in (1, 2, 3, 10)] == [10, 20, 40, 600]
    hinted = TransportError("slow down", permanent=False, code="429", retry_after=7)
    assert services.retry_delay(profile, hinted, 3) == 7


def test_it_fails_when_the_retries_are_used_up(web_url_profile, gateway):
    gateway.script(Reply(503, "busy"), Reply(503, "still busy"))
    message = _queued(web_url_profile(gateway, max_retries=1))
    services.send_message(message.pk)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(1))
    message = services.send_message(message.pk)

    assert message.status == Message.Status.FAILED
    assert message.attempts == 2
    assert message.error_reason == "HTTP 503: still busy"


def test_it_retries_after_a_transient_error_and_then_sends(web_url_profile, gateway):
    gateway.script(Reply(500, "oops"))
    message = _queued(web_url_profile(gateway, message="Retry me"))
    services.send_message(message.pk)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    message = services.send_message(message.pk)

    assert message.status == Message.Status.SENT
    assert message.attempts == 2 and message.error_reason == ""
    assert gateway.texts() == ["Retry me", "Retry me"]


def test_it_leaves_a_timed_out_request_possibly_sent_by_default(web_url_profile, gateway):
    gateway.script(Reply(200, "OK id=late", delay=2))
    message = services.send_message(_queued(web_url_profile(gateway, request_timeout=1)).pk)

    assert message.status == Message.Status.POSSIBLY_SENT
    assert message.error_code == "timeout" and not message.possibly_duplicate


def test_it_resends_a_timed_out_request_flagged_when_the_profile_says_so(web_url_profile, gateway):
    gateway.script(Reply(200, "OK id=late", delay=2))
    profile = web_url_profile(gateway, request_timeout=1, after_crash="resend")
    message = services.send_message(_queued(profile).pk)

    assert message.status == Message.Status.RETRYING and message.possibly_duplicate
    assert services.send_message(message.pk).status == Message.Status.SENT


def test_it_fails_a_transient_error_at_once_when_retries_are_not_allowed(web_url_profile, gateway):
    gateway.script(Reply(503, "busy"))
    message = _queued(web_url_profile(gateway))
    message = services.send_message(message.pk, allow_retry=False)
    assert message.status == Message.Status.FAILED


def test_it_reports_a_refused_connection_as_transient(web_url_profile):
    with HttpGateway() as gone:
        profile = web_url_profile(gone, max_retries=3)
    message = services.send_message(_queued(profile).pk)

    assert message.status == Message.Status.RETRYING
    assert "refused" in message.error_reason


def test_it_records_a_message_that_cannot_be_built_as_failed(web_url_profile, gateway):
    profile = web_url_profile(gateway, message="x" * 400, max_parts=2)
    message = services.create_message(profile, "+33612345678")

    assert message.status == Message.Status.FAILED
    assert message.error_code == "TOO_LONG"
    assert "3 parts" in message.error_reason
    assert services.send_message(message.pk) is None
    assert gateway.requests == []


def test_it_renders_the_recipients_language_with_their_data(web_url_profile, gateway):
    profile = web_url_profile(
        gateway,
        multilingual=True,
        message_en="Hello {{ customer.first_name }}",
        message_fr='Bonjour {{ customer.first_name }}, {{ invoice.amount | default:"0" }} €',
        sender="{{ document.sender_number }}",
    )
    data = {"customer.first_name": "Zoé", "document.sender_number": "+49 151 1234-5678"}
    message = _queued(profile, language="fr-CA", data=data)
    assert (message.language, message.encoding) == ("fr", "gsm7")
    assert message.sender == "+4915112345678"

    services.send_message(message.pk)
    assert gateway.texts() == ["Bonjour Zoé, 0 €"]
    assert gateway.requests[0].query["from"] == ["+4915112345678"]


def test_it_fails_a_message_whose_data_is_missing(web_url_profile, gateway):
    profile = web_url_profile(gateway, message="Hi {{ customer.first_name }}")
    message = services.create_message(profile, "+33612345678", data={})

    assert (message.status, message.error_code) == ("failed", "MISSING")
    assert "customer.first_name" in message.error_reason


def test_it_checks_the_connection_of_a_live_gateway(web_url_profile, gateway):
    report = services.check_connection(web_url_profile(gateway).pk)
    assert report.ok
    assert all(step.seconds < 5 for step in report.steps)


def test_it_reports_a_refused_connection_when_checking(web_url_profile):
    with HttpGateway() as gone:
        profile = web_url_profile(gone)
    report = services.check_connection(profile.pk)
    assert not report.ok
    assert "refused" in report.steps[-1].detail
