"""Web URL transport against a real HTTP server: how requests are built and encoded."""

from __future__ import annotations

import multiprocessing

import pytest

from sending.transports import WEB_URL
from sending.transports.base import OutgoingMessage
from sending.transports.web_url.transport import WebUrlTransport

TRICKY = "Tom & Jerry + 50% = ok? a=b #1 / ünïcødé € 😀"


@pytest.fixture
def web_profile(make_profile, gateway):
    def factory(**fields):
        fields.setdefault(
            "url",
            gateway.url + "/send?user={username}&pass={password}&to={to}&from={from}&text={text}",
        )
        fields.setdefault("username", "acme user")
        return make_profile(protocol=WEB_URL, **fields)

    return factory


def send(profile, text=TRICKY, to="+4915112345678", sender="ACME & Co"):
    with WebUrlTransport(profile) as transport:
        return transport.send(OutgoingMessage(to=to, sender=sender, text=text))


def test_it_sends_a_get_with_every_placeholder_encoded_in_the_query(web_profile, gateway):
    send(web_profile(password="p&ss=w+rd %"))

    (request,) = gateway.requests
    assert request.method == "GET"
    assert request.params == {
        "user": "acme user",
        "pass": "p&ss=w+rd %",
        "to": "+4915112345678",
        "from": "ACME & Co",
        "text": TRICKY,
    }
    assert "%2B4915112345678" in request.path  # a raw "+" would arrive as a space


def test_it_encodes_placeholders_in_the_path_as_one_segment(web_profile, gateway):
    send(web_profile(url=gateway.url + "/sms/{to}/{text}"), text="a/b c+d?")

    (request,) = gateway.requests
    assert request.path == "/sms/%2B4915112345678/a%2Fb%20c%2Bd%3F"


def test_it_appends_extra_parameters_with_placeholders_to_the_query(web_profile, gateway):
    profile = web_profile(
        url=gateway.url + "/send?to={to}",
        extra_params={"msg": "{text}", "dlr": "1", "tag": "from {from}"},
    )
    send(profile)

    (request,) = gateway.requests
    assert request.params == {
        "to": "+4915112345678",
        "msg": TRICKY,
        "dlr": "1",
        "tag": "from ACME & Co",
    }


def test_it_posts_a_form(web_profile, gateway):
    profile = web_profile(
        url=gateway.url + "/api/send",
        http_method="POST",
        body_type="form",
        extra_params={"to": "{to}", "text": "{text}", "user": "{username}", "pw": "{password}"},
    )
    send(profile)

    (request,) = gateway.requests
    assert request.method == "POST"
    assert request.path == "/api/send"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.form == {
        "to": "+4915112345678",
        "text": TRICKY,
        "user": "acme user",
        "pw": "s3cret",
    }


def test_it_posts_json_with_raw_values(web_profile, gateway):
    profile = web_profile(
        url=gateway.url + "/api/v1/messages?key={password}",
        http_method="POST",
        body_type="json",
        extra_params={"to": "{to}", "text": "{text}", "from": "{from}", "flash": False, "n": 2},
    )
    send(profile)

    (request,) = gateway.requests
    assert request.headers["content-type"] == "application/json"
    assert request.json == {
        "to": "+4915112345678",
        "text": TRICKY,
        "from": "ACME & Co",
        "flash": False,
        "n": 2,
    }
    assert request.params == {"key": "s3cret"}


def test_it_sends_query_parameters_on_a_post_with_query_body_type(web_profile, gateway):
    profile = web_profile(http_method="POST", body_type="query", extra_params={"x": "{to}"})
    send(profile)

    (request,) = gateway.requests
    assert request.method == "POST"
    assert request.body == b""
    assert request.params["x"] == "+4915112345678"
    assert request.params["text"] == TRICKY


def test_it_sends_headers_with_the_secret_decrypted(web_profile, gateway):
    profile = web_profile()
    profile.set_headers(
        [
            {"name": "Authorization", "value": "Bearer tok-123", "secret": True},
            {"name": "X-Account", "value": "acme", "secret": False},
        ]
    )
    profile.save()
    assert "tok-123" not in str(profile.headers)  # stored encrypted

    send(profile)

    (request,) = gateway.requests
    assert request.headers["authorization"] == "Bearer tok-123"
    assert request.headers["x-account"] == "acme"


def test_it_extracts_the_provider_message_id(web_profile, gateway):
    gateway.reply(200, 'Success "07033084-5cfd-4812-90a4-e4d24ffb6e3d"')
    result = send(web_profile(message_id_regex=r'Success "([^"]+)"'))

    assert result.provider_ids == ["07033084-5cfd-4812-90a4-e4d24ffb6e3d"]


def test_it_returns_no_provider_id_when_the_pattern_finds_none(web_profile, gateway):
    gateway.reply(202, "0: Accepted for delivery")
    result = send(web_profile(message_id_regex=r"id=(\w+)"))

    assert result.provider_ids == []
    assert result.parts == 1


def test_it_sends_a_long_text_whole_in_one_request(web_profile, gateway):
    text = "Long message. " * 40
    send(web_profile(), text=text)

    (request,) = gateway.requests
    assert request.params["text"] == text


def test_it_reuses_pooled_connections_across_transports(web_profile, gateway):
    profile = web_profile(concurrency=1)
    for _ in range(5):
        send(profile)

    assert len(gateway.requests) == 5
    assert len(gateway.connections) == 1


def test_it_estimates_the_parts_the_gateway_will_send(web_profile, gateway):
    result = send(web_profile(), text="x" * 161)

    assert (result.parts, result.encoding) == (2, "gsm7")


def test_it_posts_the_text_as_the_body_with_placeholders_in_headers(web_profile, gateway):
    profile = web_profile(url=gateway.url + "/cgi-bin/sendsms", http_method="POST")
    profile.set_headers(
        [
            {"name": "X-Kannel-To", "value": "{to}"},
            {"name": "X-Kannel-Username", "value": "{username}"},
            {"name": "X-Kannel-Password", "value": "{password}", "secret": False},
        ]
    )
    send(profile, text="Grüße & 😀")

    (request,) = gateway.requests
    assert request.body.decode() == "Grüße & 😀"
    assert request.headers["content-type"] == "text/plain; charset=utf-8"
    assert request.headers["x-kannel-to"] == "+4915112345678"
    assert request.headers["x-kannel-password"] == "s3cret"


def _send_in_child(profile, results):
    from sending.transports.web_url import pool

    inherited = len(pool._sessions)
    send(profile)
    results.put((inherited, len(pool._sessions)))


def test_it_gives_a_forked_worker_its_own_pool(web_profile, gateway):
    profile = web_profile(concurrency=1)
    send(profile)
    context = multiprocessing.get_context("fork")  # as Celery's prefork pool does
    results = context.Queue()
    child = context.Process(target=_send_in_child, args=(profile, results))
    child.start()
    child.join(timeout=30)

    assert results.get(timeout=5) == (0, 1)  # nothing inherited, then its own session
    send(profile)
    assert len(gateway.requests) == 3
    assert len(gateway.connections) == 2  # the parent kept its connection; the child had one
