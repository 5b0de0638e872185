"""The profile list and change pages, actions, the index, Alt+S and the language switcher."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from profiles.models import SmsProfile, SmsSettings

from .wizard_helpers import wizard_path

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:profiles_smsprofile_changelist"


def result_rows(html: str) -> dict[str, dict[str, str]]:
    """The change list's rows (not the filter sidebar) by profile name: column -> cell text,
    a yes/no icon as its alt text."""
    body = html.split('id="result_list"', 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]:  # [0] is the header
        cells = {
            column: re.sub(r"<[^>]+>", "", re.sub(r'<img [^>]*alt="(\w+)">', r"\1", cell)).strip()
            for column, cell in re.findall(r'<t[hd] class="field-(\w+)">(.*?)</t[hd]>', row, re.S)
        }
        rows[cells["name"]] = cells
    return rows


def test_the_list_shows_the_columns_of_a_profile(admin_client_root, make_profile):
    applied = make_profile(name="Live", is_global=True, host="smsc.example.com", port=2776)
    make_profile(name="Half", complete=False, saved_steps=0b0011)
    make_profile(name="Web", protocol="web_url", url="https://gw.example.com/send?to={to}")
    SmsSettings.load().apply(applied)
    rows = result_rows(admin_client_root.get(reverse(CHANGELIST)).content.decode())
    assert rows["Live"] == {
        "name": "Live",
        "protocol": "SMPP",
        "host_or_url": "smsc.example.com:2776",
        "bind_mode": "Transmitter",
        "processing_mode": "Asynchronous",
        "is_global": "True",
        "state": "Complete",
        "is_applied": "True",
    }
    assert (rows["Half"]["state"], rows["Half"]["is_applied"]) == ("Draft at step 3", "False")
    assert (rows["Web"]["protocol"], rows["Web"]["host_or_url"]) == ("Web URL", "gw.example.com")


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"state": "draft"}, "Half", "Live"),
        ({"state": "complete"}, "Live", "Half"),
        ({"protocol__exact": "web_url"}, "Web", "Live"),
        ({"q": "gw.example"}, "Web", "Half"),
    ],
)
def test_the_list_filters_and_searches(admin_client_root, make_profile, query, shown, hidden):
    make_profile(name="Live")
    make_profile(name="Half", complete=False, saved_steps=1)
    make_profile(name="Web", protocol="web_url", url="https://gw.example.com/?to={to}")
    rows = result_rows(admin_client_root.get(reverse(CHANGELIST), query).content.decode())
    assert shown in rows and hidden not in rows


def test_duplicate_gives_unique_names_and_no_secrets(admin_client_root, make_profile, superuser):
    original = make_profile(name="Base", is_global=True, password="orig-secret")
    data = {"action": "duplicate_profiles", "_selected_action": [original.pk]}
    admin_client_root.post(reverse(CHANGELIST), data)
    admin_client_root.post(reverse(CHANGELIST), data)
    first, second = (
        SmsProfile.objects.get(name="Base (copy)"),
        SmsProfile.objects.get(name="Base (copy 2)"),
    )
    assert first.host == original.host and first.owner == superuser
    assert not first.has_password and not first.is_global
    assert first.state_label == "Draft at step 2" and second.pk != first.pk


def test_add_opens_the_wizard_on_step_one(admin_client_root):
    response = admin_client_root.get(reverse("admin:profiles_smsprofile_add"))
    assert response.url == reverse("admin:profiles_smsprofile_wizard_new", args=["create"])
    page = admin_client_root.get(response.url).content.decode()
    assert "Creating a new profile" in page and "Profile Name" in page


def test_the_change_page_links_to_each_step(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0011)
    page = admin_client_root.get(reverse("admin:profiles_smsprofile_change", args=[profile.pk]))
    html = page.content.decode()
    for step in ("create", "server", "message", "advanced"):
        assert f'href="{wizard_path(profile, step)}"' in html
    assert "2. SMS Server Details</a> <span" in html and 'name="_save"' not in html
    for name, label in [
        ("sending_test_connection", "Test connection"),
        ("sending_send_test", "Send test SMS"),
    ]:
        url = reverse(f"admin:{name}", args=[profile.pk])
        assert f'<a href="{url}">{label}</a>' in html


def test_every_admin_page_has_alt_s_and_the_language_switcher(admin_client_root):
    settings_url = reverse("admin:profiles_smssettings_changelist")
    for url in [reverse("admin:index"), reverse(CHANGELIST), reverse("admin:auth_user_changelist")]:
        html = admin_client_root.get(url).content.decode()
        assert f'data-sms-settings-url="{settings_url}"' in html
        assert 'name="language"' in html and '<option value="de"' in html


def test_the_settings_menu_opens_sms_settings(admin_client_root):
    html = admin_client_root.get(reverse("admin:app_list", args=["profiles"])).content.decode()
    assert f'<a href="{reverse("admin:profiles_smssettings_changelist")}">SMS Profile</a>' in html
    page = admin_client_root.get(reverse("admin:profiles_smssettings_changelist"))
    assert "<h1>SMS Settings</h1>" in page.content.decode()


def test_the_index_shows_the_applied_profile(admin_client_root, make_profile):
    assert "No SMS profile is applied yet." in admin_client_root.get("/admin/").content.decode()
    SmsSettings.load().apply(make_profile(name="Night shift", is_global=True))
    html = admin_client_root.get("/admin/").content.decode()
    assert "Applied profile: <strong>Night shift</strong>" in html


def test_the_language_switcher_changes_the_ui_language(admin_client_root):
    response = admin_client_root.post(
        reverse("set_language"), {"language": "de", "next": "/admin/"}, follow=True
    )
    assert response.wsgi_request.LANGUAGE_CODE == "de"
    assert '<option value="de" selected>' in response.content.decode()


def test_it_names_the_delete_action_in_plain_words(admin_client_root, make_profile):
    make_profile()
    page = admin_client_root.get(reverse("admin:profiles_smsprofile_changelist")).content.decode()
    assert "Delete the selected profiles" in page
    assert "Delete selected All SMS profiles" not in page
