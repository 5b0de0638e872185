"""The gateway URL and the header values are validated completely when saved: a secret can only
stand where it cannot become a host name, and nothing can smuggle a line break or a user-info."""

from __future__ import annotations

import pytest

from profiles.forms import AdvancedStepForm, ServerStepForm
from profiles.models import SmsProfile

pytestmark = pytest.mark.django_db

WEB = {
    "protocol": "web_url",
    "http_method": "GET",
    "processing_mode": "async",
    "bind_mode": "transmitter",
    "username": "u",
}


def _url_form(url: str) -> ServerStepForm:
    return ServerStepForm(WEB | {"url": url}, instance=SmsProfile(name="w"))


@pytest.mark.parametrize(
    "url",
    [
        "https://gw.example.com/send?to={to}&text={text}&pw={password}",
        "http://10.0.0.5:13013/cgi-bin/sendsms?username={username}&password={password}",
        "https://[2001:db8::1]:8443/api/{to}/send?key={password}",
        "http://gw.example.com:1/",
        "http://gw.example.com:65535/",
    ],
)
def test_it_accepts_a_full_valid_url(url):
    form = _url_form(url)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://{password}.example.com/send", "cannot contain placeholders"),
        ("http://gw.example.com:{password}/", "cannot contain placeholders"),
        ("http://{text}/send?pw={password}", "cannot contain placeholders"),
        ("http://gw.example.com/{password}/send", "only in the query"),
        ("http://user:{password}@gw.example.com/", "user name and password"),
        ("http://admin@gw.example.com/", "user name and password"),
        ("http://gw.example.com:99999/send", "port must be a number from 1 to 65535"),
        ("http://gw.example.com:0/send", "port must be a number from 1 to 65535"),
        ("http://gw.example.com:8o/send", "port must be a number from 1 to 65535"),
        ("http:///send?to={to}", "needs a host"),
        ("http://gw..example.com/", "valid IP address or host name"),
        ("javascript://gw.example.com/", "http:// or https://"),
        ("http://gw.example.com/send\r\nX-Injected: 1", "line breaks"),
        ("http://gw.example.com/send?to={to}%0d%0aX: 1", "line breaks"),
        ("http://gw.example.com/se nd", "spaces"),
    ],
)
def test_it_refuses_what_a_gateway_url_cannot_be(url, message):
    form = _url_form(url)
    assert not form.is_valid()
    assert message in " ".join(form.errors.get("url", [])), form.errors


def test_it_warns_about_link_local_and_metadata_addresses(settings):
    form = _url_form("http://169.254.169.254/latest/meta-data?x={to}")
    assert form.is_valid(), form.errors
    assert "link-local or cloud metadata address" in " ".join(map(str, form.warnings))
    smpp = ServerStepForm(
        WEB | {"protocol": "smpp", "host": "fe80::1", "port": "2775", "bind_mode": "transmitter"},
        instance=SmsProfile(name="s"),
    )
    assert smpp.is_valid(), smpp.errors
    assert "link-local" in " ".join(map(str, smpp.warnings))
    private = _url_form("http://10.0.0.5/send?to={to}")
    assert private.is_valid() and private.warnings == []

    settings.SMSPORTAL_REFUSE_LINK_LOCAL = True
    form = _url_form("http://169.254.169.254/latest/meta-data")
    assert not form.is_valid()
    assert "link-local or cloud metadata address" in form.errors["url"][0]


def _headers_form(profile, value: str) -> AdvancedStepForm:
    from tests.profiles.wizard_helpers import advanced_defaults

    data = advanced_defaults(AdvancedStepForm(instance=profile))
    data |= {"headers-TOTAL_FORMS": "1", "headers-0-name": "X-Token", "headers-0-value": value}
    return AdvancedStepForm(data, instance=profile)


@pytest.mark.parametrize("value", ["abc\r\nX-Evil: 1", "abc\ndef", "abc\rdef", "a\x00b"])
def test_it_refuses_line_breaks_and_controls_in_a_header_value(make_profile, value):
    form = _headers_form(make_profile(protocol="web_url", url="http://gw.example.com/"), value)
    assert not form.is_valid()
    errors = " ".join(" ".join(e.get("value", [])) for e in form.headers_formset.errors)
    assert "line breaks" in errors


def test_it_accepts_a_password_placeholder_in_a_header_value(make_profile):
    profile = make_profile(protocol="web_url", url="http://gw.example.com/")
    form = _headers_form(profile, "{password}")
    assert form.is_valid(), (form.errors, form.headers_formset.errors)
