"""Step 3 — Message through the wizard: fields per language, placeholder errors, warnings."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from profiles.demo_data import seed_data_objects
from profiles.forms.message import MessageStepForm
from profiles.models import STEP_FIELDS

from .wizard_helpers import post_step, wizard_path

STEP = {
    "sender": "ACME",
    "multilingual": "",
    "missing_data_policy": "fail",
    "message_en": "Hello {{ customer.first_name }}, invoice {{ invoice.number }} is due.",
    "message_fr": "",
    "message_de": "",
    "message_es": "",
    "message_ar": "",
}


@pytest.fixture(autouse=True)
def data_objects(db):
    seed_data_objects()


def _save(client, profile, **changes):
    return post_step(client, profile, "message", {**STEP, **changes})


def test_it_saves_the_message_step_in_every_language(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0011)
    response = _save(
        admin_client_root,
        profile,
        multilingual="on",
        sender="{{ document.sender_number }}",
        message_fr='Bonjour {{ customer.first_name | default:"à vous" }}',
        message_ar="مرحبا {{ customer.first_name }}",
        missing_data_policy="skip",
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.is_step_saved(3)
    assert profile.multilingual and profile.missing_data_policy == "skip"
    assert profile.sender == "{{ document.sender_number }}"
    assert profile.message_en.startswith("Hello {{ customer.first_name }}")
    assert profile.message_fr == 'Bonjour {{ customer.first_name | default:"à vous" }}'
    assert profile.message_ar == "مرحبا {{ customer.first_name }}"


def test_it_names_the_error_and_its_position_per_language(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0011)
    response = _save(
        admin_client_root,
        profile,
        multilingual="on",
        message_fr="Bonjour {{ customer.prenom }}",
        message_de="Hallo {{ customer.first_name | default:Sie }}",
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "customer.prenom" in form.errors["message_fr"][0]
    assert "line 1, column 9" in form.errors["message_fr"][0]
    assert "quotes" in form.errors["message_de"][0]
    assert "column 40" in form.errors["message_de"][0]
    profile.refresh_from_db()
    assert not profile.is_step_saved(3)


def test_it_ignores_translations_when_not_multilingual(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0011)
    response = _save(admin_client_root, profile, message_fr="{{ broken")
    assert response.status_code == 302


def test_it_requires_the_default_language(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0011)
    response = _save(admin_client_root, profile, message_en="  ")
    assert "English, the default language" in response.context["form"].errors["message_en"][0]


def test_it_rejects_an_unknown_data_object_as_sender(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0011)
    response = _save(admin_client_root, profile, sender="{{ document.nope }}")
    assert "document.nope" in response.context["form"].errors["sender"][0]
    response = _save(admin_client_root, profile, sender="+1")
    assert "international number" in response.context["form"].errors["sender"][0]


def test_it_warns_when_the_longest_rendering_exceeds_max_parts(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0011, max_parts=1)
    text = "Dear {{ customer.first_name }} {{ customer.last_name }}, " + "please pay now. " * 7
    response = _save(admin_client_root, profile, message_en=text)
    assert response.status_code == 302  # a warning, not an error
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert len(warnings) == 1
    assert "English" in warnings[0] and "2 parts" in warnings[0] and "at most 1" in warnings[0]


def test_it_does_not_warn_when_long_values_still_fit(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0011)
    response = _save(admin_client_root, profile)
    assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


def test_it_shows_the_editor_with_tabs_counter_and_meta_data(admin_client_root, make_profile):
    profile = make_profile(
        complete=False, saved_steps=0b0011, message_en="Hi {{ customer.first_name }}!"
    )
    html = admin_client_root.get(wizard_path(profile, "message")).content.decode()
    for code in ("en", "fr", "de", "es", "ar"):
        assert f'id="sms-tab-{code}"' in html
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    assert "10 characters · GSM 7-bit · 1 part" in html  # "Hi Amélie!" with the sample value
    assert 'value="invoice.amount"' in html and "sms-editor-config" in html
    assert "sms_counter.js" in html and "message_editor.js" in html


def test_it_edits_exactly_the_step_three_fields():
    form = MessageStepForm()
    assert set(form.fields) == set(STEP_FIELDS[3]) - {"message"}
    assert form.editor_config()["maxParts"] == 6
    assert [lang["code"] for lang in form.editor_config()["languages"]] == [
        "en", "fr", "de", "es", "ar",
    ]  # fmt: skip
