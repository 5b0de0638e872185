"""Helpers for driving the profile wizard with the Django test client."""

from __future__ import annotations

from django.urls import reverse


def wizard_path(profile, step: str) -> str:
    return reverse("admin:profiles_smsprofile_wizard", args=[profile.pk, step])


def post_step(client, profile, step: str, data: dict, *, button: str = "_save"):
    """POST `data` for one step like the browser: fields carry the step's prefix."""
    payload = {f"{step}-{key}": value for key, value in data.items()}
    payload[button] = "1"
    return client.post(wizard_path(profile, step), payload)


SMPP_SERVER = {
    "protocol": "smpp",
    "system_type": "",
    "bind_mode": "transmitter",
    "processing_mode": "async",
    "host": "smsc.example.com",
    "port": "2775",
    "url": "",
    "http_method": "GET",
    "username": "acme",
    "password": "",
}


def advanced_defaults(form) -> dict:
    """What the browser posts for an untouched step-4 form (unchecked boxes are absent)."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is False or value is None:
            continue
        data[name] = field.prepare_value(value) if hasattr(field, "integer_values") else value
    return data | {"headers-TOTAL_FORMS": "2", "headers-INITIAL_FORMS": "0"}
