"""The four-step wizard: saving step by step, drafts, deep links to any step."""

from __future__ import annotations

import pytest
from django.urls import reverse

from profiles.models import SmsProfile

from .wizard_helpers import (
    SMPP_SERVER,
    advanced_defaults,
    finish,
    management,
    post_step,
    run_id,
    wizard_path,
)

pytestmark = pytest.mark.django_db


def test_it_walks_all_four_steps_saving_each(admin_client_root, superuser):
    client = admin_client_root
    new = reverse("admin:profiles_smsprofile_wizard_new", args=["create"])
    response = client.get(new)
    assert response.status_code == 200
    run = run_id(response)
    response = client.post(
        new,
        {"create-name": "  Marketing EU  ", "_continue": "1"}
        | management(SmsProfile(), "create", run),
    )
    profile = SmsProfile.objects.get()
    assert profile.name == "Marketing EU"
    assert profile.owner == superuser
    assert profile.state_label == "Draft at step 2"
    assert response.status_code == 302
    assert response.url == wizard_path(profile, "server", run)  # the run goes on

    post_step(client, profile, "server", SMPP_SERVER, run=run, button="_continue")
    message = {"sender": "ACME", "message_en": "Hi", "missing_data_policy": "fail"}
    post_step(client, profile, "message", message, run=run, button="_continue")
    page = client.get(wizard_path(profile, "advanced", run))
    response = finish(client, profile, advanced_defaults(page.context["form"]), run=run)
    assert response.url == reverse("admin:profiles_smssettings_changelist")
    profile.refresh_from_db()
    assert profile.is_complete and profile.message_en == "Hi"


def test_it_saves_the_server_step_and_resumes_the_draft_later(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0001, host="", port=None)
    response = post_step(admin_client_root, profile, "server", SMPP_SERVER | {"password": "pw"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.host, profile.port, profile.username) == ("smsc.example.com", 2775, "acme")
    assert profile.password == "pw"
    assert profile.state_label == "Draft at step 3"

    # Later, from SMS Settings' Profile Name: the draft opens where it stopped.
    response = admin_client_root.get(
        reverse("admin:profiles_smssettings_changelist"), {"profile": profile.pk}
    )
    assert response.url == wizard_path(profile, "message")
    page = admin_client_root.get(response.url)
    assert "Draft at step 3" in page.content.decode()


def test_it_goes_to_the_next_step_with_save_and_continue(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0001)
    run = run_id(admin_client_root.get(wizard_path(profile, "server")))
    response = post_step(
        admin_client_root, profile, "server", SMPP_SERVER, run=run, button="_continue"
    )
    assert response.url == wizard_path(profile, "message", run)
    page = admin_client_root.get(response.url)
    assert page.context["wizard"]["steps"].current == "message" and run_id(page) == run


def test_it_stays_on_the_step_with_save_also_on_the_last_step(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0111)
    run = run_id(admin_client_root.get(wizard_path(profile, "server")))
    response = post_step(admin_client_root, profile, "server", SMPP_SERVER, run=run)
    assert response.url == wizard_path(profile, "server", run)
    page = admin_client_root.get(wizard_path(profile, "advanced", run))
    data = advanced_defaults(page.context["form"])
    response = post_step(admin_client_root, profile, "advanced", data, run=run)
    assert response.url == wizard_path(profile, "advanced", run)  # saved, not finished
    profile.refresh_from_db()
    assert profile.is_complete


def test_it_marks_saved_steps_in_the_step_indicator(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0011)
    html = admin_client_root.get(wizard_path(profile, "message")).content.decode()
    assert html.count('class=" saved"') == 2
    assert 'class="current"' in html


def test_it_saves_step_four_with_defaults_into_a_complete_profile(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0111, message="Your parcel is here.")
    page = admin_client_root.get(wizard_path(profile, "advanced"))
    data = advanced_defaults(page.context["form"])
    response = finish(admin_client_root, profile, data, run=run_id(page))
    profile.refresh_from_db()
    assert profile.is_complete
    assert profile.window_size == 10
    assert profile.retry_map == {"ESME_RTHROTTLED": 30, "ESME_RMSGQFUL": 30, "ESME_RSYSERR": 30}
    assert response.url == reverse("admin:profiles_smssettings_changelist")
    shown = [str(m) for m in admin_client_root.get(response.url).context["messages"]]
    assert (
        f"“{profile.name}” is complete. Select it in Select Profile and press Ok to apply." in shown
    )


def test_it_offers_test_connection_on_the_server_step_once_it_is_saved(
    admin_client_root, make_profile
):
    draft = make_profile(complete=False, saved_steps=0b0001)
    test_url = reverse("admin:sending_test_connection", args=[draft.pk])
    assert test_url not in admin_client_root.get(wizard_path(draft, "server")).content.decode()

    post_step(admin_client_root, draft, "server", SMPP_SERVER | {"password": "pw"})
    page = admin_client_root.get(wizard_path(draft, "server")).content.decode()
    assert test_url in page and "Test connection" in page
