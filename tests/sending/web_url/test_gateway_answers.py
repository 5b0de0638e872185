"""Web URL transport against a real HTTP server: outcomes, errors, limits, Test connection."""

from __future__ import annotations

import logging
import socket
import threading

import pytest

from sending.transports import WEB_URL
from sending.transports.base import OutgoingMessage, SendResult, TransportError
from sending.transports.web_url.pool import close_sessions
from sending.transports.web_url.transport import WebUrlTransport
from tests.peers.http_gateway import HttpGateway, Reply

PASSWORD = "Pa$$ w0rd&+"


@pytest.fixture
def web_profile(make_profile, gateway):
    def factory(**fields):
        fields.setdefault("url", gateway.url + "/send?u={username}&p={password}&to={to}&t={text}")
        return make_profile(protocol=WEB_URL, password=PASSWORD, **fields)

    return factory


def message(n=0):
    return OutgoingMessage(to="+4915112345678", sender="ACME", text=f"hello {n}", reference=str(n))


def send(profile, msg=None):
    with WebUrlTransport(profile) as transport:
        return transport.send(msg or message())


def failure(profile) -> TransportError:
    with pytest.raises(TransportError) as caught:
        send(profile)
    return caught.value


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_it_treats_any_2xx_as_success_by_default(web_profile, gateway, status):
    gateway.reply(status, "" if status == 204 else "queued")
    assert isinstance(send(web_profile()), SendResult)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_it_fails_permanently_on_4xx_by_default(web_profile, gateway, status):
    gateway.reply(status, "Authorization failed for sendsms\nplease check")

    error = failure(web_profile())

    assert error.permanent is True
    assert error.code == str(status)
    assert error.reason == f"HTTP {status}: Authorization failed for sendsms please check"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_it_fails_temporarily_on_5xx_by_default(web_profile, gateway, status):
    gateway.reply(status, "x" * 500, headers={"Retry-After": "7"})

    error = failure(web_profile())

    assert error.permanent is False
    assert error.code == str(status)
    assert error.reason == f"HTTP {status}: " + "x" * 120
    assert error.retry_after == 7


def test_it_applies_custom_patterns_over_status_and_body(web_profile, gateway):
    profile = web_profile(
        success_regex=r"^200 OK:",
        permanent_failure_regex=r"ERR:(BADNUM|NOCREDIT)",
        temporary_failure_regex=r"ERR:BUSY",
    )
    gateway.script(
        Reply(200, "OK: 42"),
        Reply(200, "ERR:BADNUM bad number"),
        Reply(200, "ERR:BUSY try later"),
        Reply(200, "something else"),
        Reply(404, "not here"),  # matches no custom pattern: 4xx would only fail again
    )

    assert isinstance(send(profile), SendResult)
    assert failure(profile).permanent is True
    assert failure(profile).permanent is False
    unknown = failure(profile)
    assert (unknown.permanent, unknown.reason) == (True, "HTTP 200: something else")
    assert failure(profile).permanent is True


def test_it_lets_a_temporary_pattern_override_the_4xx_default(web_profile, gateway):
    profile = web_profile(permanent_failure_regex=r"^40[013] ", temporary_failure_regex=r"^429 ")
    gateway.reply(429, "slow down")

    assert failure(profile).permanent is False


def test_it_times_out_as_a_temporary_failure(web_profile, gateway):
    gateway.reply(200, "late", delay=2.5)

    error = failure(web_profile(request_timeout=1))

    assert (error.permanent, error.code) == (False, "timeout")
    assert error.reason == f"Timeout: no answer from 127.0.0.1:{gateway.port} within 1 s"


def test_it_reports_a_refused_connection_as_temporary(web_profile):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    error = failure(web_profile(url=f"http://127.0.0.1:{port}/send?p={{password}}"))

    assert (error.permanent, error.code) == (False, "connection")
    assert error.reason == f"Connection to 127.0.0.1:{port} failed: connection refused"


def test_it_keeps_the_password_out_of_errors_and_logs(web_profile, gateway, caplog):
    gateway.reply(401, "bad login u=acme p=Pa%24%24+w0rd%26%2B (you sent Pa$$ w0rd&+)")
    profile = web_profile(request_timeout=1)
    caplog.set_level(logging.DEBUG)

    error = failure(profile)
    gateway.reply(200, "late", delay=2)
    timeout = failure(profile)

    for exc in (error, timeout):
        assert PASSWORD not in exc.reason and "Pa%24%24" not in exc.reason
        # Nothing chained that a traceback would print with the URL in it.
        assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)
    assert error.reason == "HTTP 401: bad login u=acme p=*** (you sent ***)"
    assert "Pa%24%24" in gateway.requests[0].path  # it was really in the URL
    assert caplog.records and "Pa%24%24" not in caplog.text and PASSWORD not in caplog.text


def test_it_never_has_more_requests_in_flight_than_the_concurrency(web_profile, gateway):
    gateway.reply(200, "OK", delay=0.05)
    profile = web_profile(concurrency=3)
    transport = WebUrlTransport(profile)
    transport.open()

    # Two callers share the profile's limit in this process, as two tasks would.
    results = []
    callers = [
        threading.Thread(
            target=lambda: results.extend(transport.send_many(map(message, range(15))))
        )
        for _ in range(2)
    ]
    for thread in callers:
        thread.start()
    for thread in callers:
        thread.join()

    assert len(results) == 30
    assert gateway.max_in_flight == 3
    assert len(gateway.connections) <= 3


def test_it_yields_every_message_exactly_once_when_some_fail(web_profile, gateway):
    gateway.script(*[Reply(503 if n % 4 == 0 else 200, f"n{n}") for n in range(40)])
    profile = web_profile(concurrency=8)

    with WebUrlTransport(profile) as transport:
        results = list(transport.send_many(message(n) for n in range(40)))

    references = sorted(int(msg.reference) for msg, _result in results)
    assert references == list(range(40))
    errors = [r for _m, r in results if isinstance(r, TransportError)]
    assert len(errors) == 10 and all(not e.permanent for e in errors)
    assert len(gateway.requests) == 40
    assert gateway.max_in_flight <= 8


def test_it_rejects_an_invalid_pattern_as_a_permanent_error(web_profile):
    with pytest.raises(TransportError) as caught:
        WebUrlTransport(web_profile(success_regex="(unclosed")).open()

    assert caught.value.permanent is True
    assert "success_regex" in caught.value.reason


def test_check_connection_reports_each_step_without_sending(web_profile, gateway):
    gateway.reply(405, "")
    report = WebUrlTransport(web_profile()).check_connection()

    assert report.ok
    assert [s.name for s in report.steps] == [
        "Resolve 127.0.0.1",
        f"Connect to 127.0.0.1:{gateway.port}",
        "HTTP request",
    ]
    assert report.steps[-1].detail.startswith(f"HTTP 405 from {gateway.url}/send")
    assert all(s.seconds < 2 for s in report.steps)
    (request,) = gateway.requests
    assert (request.method, request.path) == ("HEAD", "/send")  # no query, no password


def test_check_connection_explains_a_refused_connection(web_profile):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    report = WebUrlTransport(web_profile(url=f"http://127.0.0.1:{port}/")).check_connection()

    assert not report.ok
    assert report.steps[-1].detail == f"Could not connect to 127.0.0.1:{port}: connection refused"


def test_check_connection_explains_a_host_that_never_answers(web_profile, gateway):
    gateway.reply(200, "", delay=3)
    report = WebUrlTransport(web_profile(request_timeout=1)).check_connection()

    assert not report.ok
    assert report.steps[-1].detail == (
        f"127.0.0.1:{gateway.port} accepted the connection but did not answer within 1.0 s"
    )


def test_check_connection_explains_a_tls_failure(web_profile, gateway):
    report = WebUrlTransport(
        web_profile(url=f"https://127.0.0.1:{gateway.port}/")
    ).check_connection()

    assert not report.ok
    assert report.steps[-1].name == "TLS handshake"
    assert report.steps[-1].detail.startswith("TLS handshake failed")


def test_check_connection_explains_an_unknown_host(web_profile):
    report = WebUrlTransport(web_profile(url="http://no-such-host.invalid/")).check_connection()

    assert not report.ok
    assert report.steps[0].detail.startswith("DNS lookup failed")


def test_it_fails_permanently_when_a_header_cannot_carry_the_value(web_profile, gateway):
    profile = web_profile()
    profile.set_headers([{"name": "X-From", "value": "{from}"}])
    profile.save()
    with pytest.raises(TransportError) as caught:
        with WebUrlTransport(profile) as transport:
            transport.send(OutgoingMessage(to="+4915112345678", sender="Ünï😀", text="x"))

    assert (caught.value.permanent, caught.value.code) == (True, "request")
    assert gateway.requests == []


@pytest.fixture
def tls_gateway():
    with HttpGateway(tls=True) as server:
        yield server
    close_sessions()


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_it_verifies_tls_certificates_unless_told_not_to(make_profile, tls_gateway):
    url = tls_gateway.url + "/send?to={to}&text={text}"
    checked = make_profile(protocol=WEB_URL, url=url)
    unchecked = make_profile(protocol=WEB_URL, url=url, verify_tls=False)

    error = failure(checked)
    assert (error.permanent, error.code) == (False, "tls")
    assert "certificate verify failed" in error.reason
    assert tls_gateway.requests == []
    assert isinstance(send(unchecked), SendResult)
    assert tls_gateway.requests[0].params == {"to": "+4915112345678", "text": "hello 0"}


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_check_connection_explains_an_untrusted_certificate(make_profile, tls_gateway):
    checked = make_profile(protocol=WEB_URL, url=tls_gateway.url + "/send")
    unchecked = make_profile(protocol=WEB_URL, url=tls_gateway.url + "/send", verify_tls=False)

    failed = WebUrlTransport(checked).check_connection()
    passed = WebUrlTransport(unchecked).check_connection()

    assert not failed.ok
    assert failed.steps[-1].name == "TLS handshake"
    assert failed.steps[-1].detail.startswith("certificate verify failed: self")
    assert passed.ok
    assert [s.name for s in passed.steps][-2:] == ["TLS handshake", "HTTP request"]
    assert passed.steps[-2].detail.startswith("TLSv1.")
