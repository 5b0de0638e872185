"""Step 4 accepts only numbers the sender can use and JSON it can store: each bound is tested on
both sides, and hostile JSON gets a field error, never a 500."""

from __future__ import annotations

import pytest

from profiles.forms import AdvancedStepForm

from .wizard_helpers import advanced_defaults, post_step

pytestmark = pytest.mark.django_db

WEEK = 7 * 24 * 3600


def _form(profile, **changes) -> AdvancedStepForm:
    data = advanced_defaults(AdvancedStepForm(instance=profile)) | changes
    return AdvancedStepForm(data, instance=profile)


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("throughput", 10_000),
        ("enquire_link_interval", 3600),
        ("bind_timeout", 300),
        ("response_timeout", 3600),
        ("reconnect_delay", 3600),
        ("request_timeout", 600),
        ("validity_period", 63 * 7 * 24 * 60),
        ("window_size", 1000),
        ("concurrency", 100),
    ],
)
def test_it_bounds_every_number_to_what_the_sender_can_use(make_profile, field, limit):
    profile = make_profile()
    assert _form(profile, **{field: str(limit)}).is_valid()
    form = _form(profile, **{field: str(limit + 1)})
    assert not form.is_valid() and field in form.errors
    assert not _form(profile, **{field: "1" + "0" * 30}).is_valid()


def test_it_bounds_retry_delays_to_a_week(make_profile):
    profile = make_profile()
    assert _form(profile, retry_map=f"ESME_RTHROTTLED={WEEK}").is_valid()
    form = _form(profile, retry_map=f"ESME_RTHROTTLED={WEEK + 1}")
    assert "at most 604800 seconds (one week)" in form.errors["retry_map"][0]
    form = _form(profile, retry_map='{"ESME_RTHROTTLED": 100000000000000000000000000}')
    assert "at most 604800 seconds" in form.errors["retry_map"][0]


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("extra_params", '{"a": {"b": "c"}}', "nested"),
        ("extra_params", '{"a": ["b"]}', "nested"),
        ("retry_map", '{"ESME_RTHROTTLED": {"x": 1}}', "whole number"),
        ("extra_params", "[" * 6000 + "]" * 6000, "too long"),
        ("extra_params", '{"a":' * 900 + "1" + "}" * 900, "nested"),
        ("extra_params", "\n".join(f"k{i}=v" for i in range(101)), "at most 100"),
    ],
)
def test_it_refuses_hostile_json_with_a_field_error(make_profile, field, text, message):
    form = _form(make_profile(), **{field: text})
    assert not form.is_valid()
    assert message in " ".join(form.errors[field]), form.errors


def test_deeply_nested_json_in_the_wizard_is_a_field_error_not_a_500(
    admin_client_root, make_profile
):
    profile = make_profile()
    data = advanced_defaults(AdvancedStepForm(instance=profile)) | {"extra_params": "[" * 3000}
    response = post_step(admin_client_root, profile, "advanced", data)
    assert response.status_code == 200
    assert "nested objects and lists are not allowed" in response.text
