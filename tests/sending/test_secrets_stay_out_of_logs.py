"""A distinctive password, through succeeding and failing sends and checks: it appears in no log
line at any level, no stored error, no admin page and no Redis key or value, in any of the forms
it takes on the way (as typed, lower or upper case, URL-encoded either way)."""

from __future__ import annotations

import logging
from urllib.parse import quote, quote_plus

import pytest
import redis
from django.urls import reverse

from sending import services, tasks
from sending.models import Message
from tests.peers.http_gateway import Reply

PASSWORD = "Sekr3t+Pw/X&y"


def _forms(secret: str) -> set[str]:
    encoded = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
    return {variant for form in encoded for variant in (form, form.lower(), form.upper())}


def _leaks(text: str) -> list[str]:
    return sorted(form for form in _forms(PASSWORD) if form in text)


def _redis_contents(url: str) -> str:
    """Every key and value in the broker's Redis, as text."""
    store = redis.Redis.from_url(url.replace("redis+socket://", "unix://"))
    read = {
        b"string": store.get,
        b"list": lambda key: store.lrange(key, 0, -1),
        b"hash": store.hgetall,
        b"set": store.smembers,
        b"zset": lambda key: store.zrange(key, 0, -1),
    }
    found = [(key, read.get(store.type(key), repr)(key)) for key in store.scan_iter(count=1000)]
    assert found, "the send tasks went through Redis"
    return "\n".join(repr(item) for item in found)


@pytest.fixture
def everything_logged(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def _queue_and_send(profile, to="+33612345678") -> Message:
    message = tasks.queue_test_message(profile, to)
    return services.send_message(message.pk, allow_retry=False) or message


@pytest.mark.django_db(transaction=True)
def test_the_password_never_leaves_in_logs_errors_pages_or_redis(
    client, superuser, web_url_profile, gateway, make_profile, redis_url, everything_logged
):
    query = "&user={username}&pass={password}"
    profile = web_url_profile(gateway, password=PASSWORD, message="Hello")
    profile.url += query
    profile.save()
    sent = _queue_and_send(profile)
    assert sent.status == Message.Status.SENT, sent.error_reason
    assert gateway.requests[-1].params["pass"] == PASSWORD  # it did go where it belongs

    # The gateway answers with the password lower-cased in its error text.
    gateway.script(Reply(500, f"bad credentials {PASSWORD.lower()} for {quote(PASSWORD)}"))
    refused = _queue_and_send(profile)
    # Profiles saved before URLs were validated: a port out of range, the password in the host.
    broken = make_profile(
        protocol="web_url",
        url="http://127.0.0.1:99999/send?p={password}",
        password=PASSWORD,
        message="Hello",
    )
    in_host = make_profile(
        protocol="web_url",
        url="http://{password}.invalid/send",
        password=PASSWORD.lower(),
        message="Hello",
    )
    failures = [refused, _queue_and_send(broken), _queue_and_send(in_host)]
    assert all(
        m.status == Message.Status.FAILED
        for m in Message.objects.filter(pk__in=[f.pk for f in failures])
    )

    client.force_login(superuser)
    pages = [
        client.post(reverse("admin:sending_test_connection", args=[p.pk])).text
        for p in (profile, broken, in_host)
    ]
    pages.append(client.get(reverse("admin:sending_message_changelist")).text)
    for message in Message.objects.all():
        pages.append(client.get(reverse("admin:sending_message_change", args=[message.pk])).text)
        pages.append(client.get(reverse("admin:sending_send_test_status", args=[message.pk])).text)

    logged = "\n".join(
        [everything_logged.text]
        + [r.getMessage() for r in everything_logged.records]
        + [r.exc_text or "" for r in everything_logged.records]
    )
    assert "Unexpected error" in logged or "unexpected" in logged.lower()
    errors = "\n".join(Message.objects.values_list("error_reason", flat=True))
    stored = _redis_contents(redis_url)

    assert "***" in errors  # the scrubbed places are marked
    assert _leaks(logged) == []
    assert _leaks(errors) == []
    assert _leaks("\n".join(pages)) == []
    assert _leaks(stored) == []
