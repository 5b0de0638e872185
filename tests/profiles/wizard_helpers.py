"""Helpers for driving the profile wizard with the Django test client."""

from __future__ import annotations

import re

from django.urls import reverse


def wizard_path(profile, step: str, run: str = "") -> str:
    path = reverse("admin:profiles_smsprofile_wizard", args=[profile.pk, step])
    return f"{path}?run={run}" if run else path


def run_id(response) -> str:
    """The run id a wizard page put in its hidden field."""
    match = re.search(rb'name="wizard_run" value="([0-9a-f]{12})"', response.content)
    assert match, "the page has no wizard_run field"
    return match.group(1).decode()


def management(profile, step: str, run: str) -> dict:
    """formtools' management form and the run id, as a wizard page posts them."""
    return {f"profile_{profile.pk or 'new'}_{run}-current_step": step, "wizard_run": run}


def post_step(client, profile, step: str, data: dict, *, run: str = "", button: str = "_save"):
    """Open the step (a GET starts a new run unless `run` is given), then POST `data` for it
    like the browser: fields carry the step's prefix, plus the management form and run id."""
    if not run:
        run = run_id(client.get(wizard_path(profile, step)))
    payload = {f"{step}-{key}": value for key, value in data.items()}
    payload |= management(profile, step, run) | {button: "1"}
    return client.post(wizard_path(profile, step), payload)


def finish(client, profile, data: dict, *, run: str = ""):
    """Save and finish on step 4, then follow formtools to its done step; returns that answer."""
    response = post_step(client, profile, "advanced", data, run=run, button="_finish")
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert response.url.startswith(wizard_path(profile, "done") + "?run=")
    return client.get(response.url)


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
