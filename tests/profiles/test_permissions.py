"""Global Configuration and admin rights: who sees, edits and applies which profile."""

from __future__ import annotations

import pytest
from django.urls import reverse

from profiles.models import SmsSettings

from .wizard_helpers import SMPP_SERVER, post_step, wizard_path

pytestmark = pytest.mark.django_db

SETTINGS_URL = "admin:profiles_smssettings_changelist"


@pytest.fixture
def profiles(make_profile, superuser, staff_editor):
    return {
        "global": make_profile(name="Shared", is_global=True, owner=superuser),
        "mine": make_profile(name="Editor's own", owner=staff_editor),
        "private": make_profile(name="Root's private", owner=superuser),
    }


def test_staff_see_global_profiles_and_their_own_only(client, staff_editor, profiles):
    client.force_login(staff_editor)
    page = client.get(reverse("admin:profiles_smsprofile_changelist")).content.decode()
    assert "Shared" in page and "Editor&#x27;s own" in page
    assert "Root&#x27;s private" not in page
    settings_page = client.get(reverse(SETTINGS_URL)).content.decode()
    assert "Shared" in settings_page and "Root&#x27;s private" not in settings_page


def test_others_private_profiles_are_not_found(client, staff_editor, profiles):
    client.force_login(staff_editor)
    private = profiles["private"]
    assert client.get(wizard_path(private, "server")).status_code == 404
    assert client.post(wizard_path(private, "server"), {}).status_code == 404
    change = reverse("admin:profiles_smsprofile_change", args=[private.pk])
    assert client.get(change).status_code == 302  # the admin's "does not exist" redirect
    response = client.get(reverse(SETTINGS_URL), {"profile": private.pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


def test_superusers_see_every_profile(admin_client_root, profiles):
    assert admin_client_root.get(wizard_path(profiles["mine"], "server")).status_code == 200


def test_a_viewer_can_open_the_wizard_but_not_save(client, staff_viewer, profiles):
    client.force_login(staff_viewer)
    shared = profiles["global"]
    page = client.get(wizard_path(shared, "server"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "You can view this profile but not change it." in html
    assert 'name="_save"' not in html and "disabled" in html
    response = post_step(client, shared, "server", SMPP_SERVER | {"host": "evil.example"})
    assert response.status_code == 403
    assert client.get(wizard_path(shared, "done")).status_code == 403  # nor finish
    shared.refresh_from_db()
    assert shared.host == "127.0.0.1"


def test_a_viewer_cannot_create_or_apply(client, staff_viewer, profiles):
    client.force_login(staff_viewer)
    url = reverse(SETTINGS_URL)
    html = client.get(url).content.decode()
    assert 'id="new-profile-button"' not in html
    assert "You may not apply profiles" in html
    assert client.post(url, {"new-name": "Sneaky"}).status_code == 403
    assert client.post(url, {"select-profile": profiles["global"].pk}).status_code == 403
    new = reverse("admin:profiles_smsprofile_wizard_new", args=["create"])
    assert client.get(new).status_code == 403


def test_new_profiles_belong_to_their_creator(client, staff_editor):
    client.force_login(staff_editor)
    response = client.post(reverse(SETTINGS_URL), {"new-name": "Mine now"})
    profile = staff_editor.sms_profiles.get()
    assert profile.name == "Mine now" and not profile.is_global
    assert profile.state_label == "Draft at step 2"
    assert response.url == wizard_path(profile, "server")
    # ... and it is the one selected in Profile Name.
    page = client.get(reverse(SETTINGS_URL)).content.decode()
    assert f'<option value="{profile.pk}" selected>Mine now' in page


def test_select_profile_applies_a_complete_global_profile(client, staff_editor, profiles):
    client.force_login(staff_editor)
    response = client.post(reverse(SETTINGS_URL), {"select-profile": profiles["global"].pk})
    assert response.status_code == 302
    assert SmsSettings.applied() == profiles["global"]
    page = client.get(reverse(SETTINGS_URL)).content.decode()
    assert "Applied profile: <strong>Shared</strong>" in page
    assert "Shared — applied" in page


def test_select_profile_refuses_drafts_and_private_profiles(client, staff_editor, make_profile):
    client.force_login(staff_editor)
    draft = make_profile(name="Half done", is_global=True, complete=False, saved_steps=0b0011)
    private = make_profile(name="Only mine", owner=staff_editor)
    page = client.get(reverse(SETTINGS_URL)).content.decode()
    select = page.split('name="select-profile"')[1].split("</select>")[0]
    assert "Half done" not in select and "Only mine" not in select  # not offered
    for profile, reason in [(draft, "is a draft (next step: 3)"), (private, "not a Global")]:
        response = client.post(reverse(SETTINGS_URL), {"select-profile": profile.pk})
        assert response.status_code == 200
        assert reason in response.content.decode()
    assert SmsSettings.applied() is None


def test_the_apply_action_refuses_drafts_and_private_profiles(admin_client_root, make_profile):
    draft = make_profile(name="Draft", is_global=True, complete=False, saved_steps=1)
    private = make_profile(name="Private")
    good = make_profile(name="Good", is_global=True)
    url = reverse("admin:profiles_smsprofile_changelist")
    for profile, reason in [(draft, "is a draft"), (private, "not a Global Configuration")]:
        data = {"action": "apply_profile", "_selected_action": [profile.pk]}
        page = admin_client_root.post(url, data, follow=True).content.decode()
        assert reason in page
    assert SmsSettings.applied() is None
    data = {"action": "apply_profile", "_selected_action": [good.pk]}
    admin_client_root.post(url, data)
    assert SmsSettings.applied() == good


def test_editors_without_apply_right_get_no_apply_action(client, staff_viewer, profiles):
    client.force_login(staff_viewer)
    page = client.get(reverse("admin:profiles_smsprofile_changelist")).content.decode()
    assert "apply_profile" not in page
