"""Each field rule of steps 1, 2 and 4 gives its error on its own field."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from profiles.forms import AdvancedStepForm, CreateStepForm, ServerStepForm
from profiles.gateway_presets import PRESETS
from profiles.models import SmsProfile

from .wizard_helpers import SMPP_SERVER

pytestmark = pytest.mark.django_db

WEB_URL_SERVER = SMPP_SERVER | {
    "protocol": "web_url",
    "host": "",
    "port": "",
    "url": "https://gw.example.com/send?to={to}&text={text}",
    "http_method": "POST",
}


def server_form(profile=None, **changes):
    return ServerStepForm(SMPP_SERVER | changes, instance=profile or SmsProfile(name="x"))


def test_it_rejects_a_duplicate_name_in_another_case(make_profile):
    make_profile(name="Marketing EU")
    form = CreateStepForm({"name": "  marketing eu "})
    assert not form.is_valid()
    assert "already exists" in form.errors["name"][0]


def test_it_trims_the_name_and_accepts_renaming_to_itself(make_profile):
    profile = make_profile(name="Alerts")
    form = CreateStepForm({"name": " ALERTS "}, instance=profile)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "ALERTS"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "a" * 16, "at most 15 characters"),
        ("system_type", "b" * 13, "at most 12 characters"),
        ("port", "0", "greater than or equal to 1"),
        ("port", "65536", "less than or equal to 65535"),
        ("port", "", "Enter the port number"),
        ("port", "x", "whole number"),
        ("host", "", "Enter the IP address"),
        ("host", "999.1.1.1", "valid IP address or host name"),
        ("host", "-bad-.example.com", "valid IP address or host name"),
        ("host", "smsc example", "valid IP address or host name"),
    ],
)
def test_it_names_the_field_of_each_smpp_error(field, value, message):
    form = server_form(**{field: value})
    assert not form.is_valid()
    assert list(form.errors) == [field]
    assert message in form.errors[field][0]


@pytest.mark.parametrize("host", ["10.0.0.5", "::1", "smsc.example.com", "localhost"])
def test_it_accepts_addresses_and_host_names(host):
    assert server_form(host=host).is_valid()


def test_it_accepts_a_long_password_with_a_warning():
    form = server_form(password="123456789")
    assert form.is_valid(), form.errors
    assert "SMPP 3.4 allows 8" in str(form.warnings[0])
    assert not server_form(password="12345678").warnings


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the gateway URL"),
        ("ftp://gw.example.com/", "http:// or https://"),
        ("https://gw.example.com/?to={to}&x={nope}", "Unknown placeholder {nope}"),
    ],
)
def test_it_checks_the_web_url(url, message):
    form = ServerStepForm(WEB_URL_SERVER | {"url": url}, instance=SmsProfile(name="w"))
    assert not form.is_valid()
    assert list(form.errors) == ["url"]
    assert message in form.errors["url"][0]


@pytest.mark.parametrize("preset", ["kannel", "jasmin"])
def test_it_accepts_every_placeholder_the_presets_use(preset):
    url = PRESETS[preset]["url"]
    form = ServerStepForm(WEB_URL_SERVER | {"url": url}, instance=SmsProfile(name="w"))
    assert form.is_valid(), form.errors


def test_it_names_the_known_placeholders_when_one_is_unknown():
    url = "https://gw.example.com/?x={text_hex}"
    form = ServerStepForm(WEB_URL_SERVER | {"url": url}, instance=SmsProfile(name="w"))
    assert not form.is_valid()
    assert "{text_hex}; use {to}, {from}," in form.errors["url"][0]
    assert (
        "{content_param}, {content}, {receipt_url}, {kannel_receipt_url}." in form.errors["url"][0]
    )


def test_it_needs_no_host_or_port_for_web_url():
    form = ServerStepForm(WEB_URL_SERVER | {"username": "a" * 30}, instance=SmsProfile(name="w"))
    assert form.is_valid(), form.errors


def test_it_keeps_the_stored_password_when_the_field_is_empty(make_profile):
    profile = make_profile(password="kept-secret", host="smsc.example.com")  # not moved
    form = server_form(profile, password="")
    assert form.is_valid(), form.errors
    assert form.save().password == "kept-secret"
    form = server_form(profile, password="", clear_password="on")
    assert form.is_valid()
    assert not form.save().has_password


def test_it_validates_the_sender_on_the_model(make_profile):
    profile = make_profile()
    profile.sender = "not a sender!!"
    with pytest.raises(ValidationError) as excinfo:
        profile.full_clean()
    assert list(excinfo.value.error_dict) == ["sender"]


def advanced_data(profile, **changes):
    form = AdvancedStepForm(instance=profile)
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is False:
            continue
        data[name] = field.prepare_value(value) if hasattr(field, "integer_values") else value
    data = {k: "" if v is None else v for k, v in data.items()}
    data |= {"headers-TOTAL_FORMS": "2", "headers-INITIAL_FORMS": "0"}
    return data | changes


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("window_size", "0", "greater than or equal to 1"),
        ("max_parts", "256", "less than or equal to 255"),
        ("success_regex", "([", "Not a valid regular expression"),
        ("retry_map", "{bad json", "not valid JSON"),
        ("retry_map", "ESME_RTHROTTLED", "Line 1: write name=value"),
        ("retry_map", "ESME_RTHROTTLED=-5", "whole number of seconds"),
        ("retry_map", "esme lower=5", "not an SMPP status name"),
        ("extra_params", "[1, 2]", "Enter a JSON object"),
    ],
)
def test_it_names_the_field_of_each_advanced_error(make_profile, field, value, message):
    form = AdvancedStepForm(
        advanced_data(make_profile(), **{field: value}), instance=make_profile()
    )
    assert not form.is_valid()
    assert list(form.errors) == [field]
    assert message in str(form.errors[field][0])


def test_it_reads_key_value_lines_and_json(make_profile):
    profile = make_profile()
    data = advanced_data(
        profile, retry_map='{"ESME_RTHROTTLED": 5}', extra_params="coding=0\n# note\nsmsc = eu\n"
    )
    form = AdvancedStepForm(data, instance=profile)
    assert form.is_valid(), form.errors
    profile = form.save()
    assert profile.retry_map == {"ESME_RTHROTTLED": 5}
    assert profile.extra_params == {"coding": "0", "smsc": "eu"}


def test_it_forces_a_window_of_one_when_synchronous(make_profile):
    profile = make_profile(processing_mode="sync")
    form = AdvancedStepForm(advanced_data(profile, window_size="50"), instance=profile)
    assert form.is_valid(), form.errors
    assert form.save().window_size == 1


def test_it_keeps_secret_header_values_without_rendering_them(make_profile):
    profile = make_profile(protocol="web_url", url="https://gw.example.com/?to={to}")
    headers = {
        "headers-TOTAL_FORMS": "2",
        "headers-0-name": "Authorization",
        "headers-0-value": "Bearer top-secret-token",
        "headers-0-secret": "on",
        "headers-1-name": "X-Plain",
        "headers-1-value": "visible",
    }
    form = AdvancedStepForm(advanced_data(profile) | headers, instance=profile)
    assert form.is_valid(), form.errors
    profile = form.save()
    assert "top-secret-token" not in str(profile.headers)
    assert dict(profile.header_items())["Authorization"] == "Bearer top-secret-token"

    html = str(AdvancedStepForm(instance=profile).headers_formset)
    assert "top-secret-token" not in html and "visible" in html
    # Saved again with the secret left empty: the stored value stays.
    headers |= {"headers-0-value": ""}
    form = AdvancedStepForm(advanced_data(profile) | headers, instance=profile)
    assert form.is_valid(), form.errors
    assert dict(form.save().header_items())["Authorization"] == "Bearer top-secret-token"


def test_the_model_reports_missing_smpp_server_fields(make_profile):
    profile = make_profile(host="", port=None, username="u" * 16)
    with pytest.raises(ValidationError) as excinfo:
        profile.full_clean()
    assert set(excinfo.value.error_dict) == {"host", "port", "username"}


@pytest.mark.parametrize("field", ["password", "username"])
def test_it_refuses_non_ascii_smpp_credentials(field):
    form = server_form(**{field: "pässwörd"})
    assert not form.is_valid()
    assert "SMPP sends it as plain ASCII" in form.errors[field][0]
    assert server_form(**{field: "passw0rd"}).is_valid()
    web = ServerStepForm(WEB_URL_SERVER | {field: "pässwörd"}, instance=SmsProfile(name="w"))
    assert web.is_valid(), web.errors  # an HTTP gateway takes any text, URL-encoded
