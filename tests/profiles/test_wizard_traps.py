"""The traps of a session-backed wizard, each avoided on purpose (profiles/wizard.py), plus
direct step links: the database holds the profile, the session holds no wizard state."""

from __future__ import annotations

import pytest

from profiles.models import SmsProfile

from .wizard_helpers import SMPP_SERVER, advanced_defaults, post_step, wizard_path

pytestmark = pytest.mark.django_db

MESSAGE = {"sender": "ACME", "message_en": "Edited text", "missing_data_policy": "fail"}


def test_it_edits_step_three_of_a_complete_profile_without_visiting_others(
    admin_client_root, make_profile
):
    profile = make_profile(host="smsc.example.com")
    response = post_step(admin_client_root, profile, "message", MESSAGE)
    assert response.status_code == 302, response.context and response.context["form"].errors
    profile.refresh_from_db()
    assert profile.message_en == "Edited text"
    assert profile.host == "smsc.example.com" and profile.password == "s3cret"
    assert profile.is_complete


def test_it_saves_an_unvisited_last_step_without_a_final_revalidation(
    admin_client_root, make_profile
):
    # A session wizard's done() re-validates every step of the run; steps 1-3 were never opened.
    profile = make_profile(complete=False, saved_steps=0b0111)
    page = admin_client_root.get(wizard_path(profile, "advanced"))
    data = advanced_defaults(page.context["form"]) | {"retry_map": "ESME_RTHROTTLED=30"}
    response = post_step(admin_client_root, profile, "advanced", data, button="_finish")
    assert response.status_code == 302, response.context["form"].errors
    profile.refresh_from_db()
    assert profile.is_complete and profile.retry_map == {"ESME_RTHROTTLED": 30}


def test_a_plain_get_between_saves_loses_nothing(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0001, host="", port=None)
    post_step(admin_client_root, profile, "server", SMPP_SERVER)
    admin_client_root.get(wizard_path(profile, "create"))  # reload, bookmark, new tab

    page = admin_client_root.get(wizard_path(profile, "server"))
    assert page.context["form"]["host"].value() == "smsc.example.com"
    assert page.context["step"] == "server"
    response = post_step(admin_client_root, profile, "message", MESSAGE, button="_continue")
    assert response.url == wizard_path(profile, "advanced")
    profile.refresh_from_db()
    assert profile.saved_steps == 0b0111 and profile.host == "smsc.example.com"


def test_the_session_keeps_no_wizard_state_and_no_password(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0001)
    post_step(admin_client_root, profile, "server", SMPP_SERVER | {"password": "pw-in-db-only"})
    admin_client_root.get(wizard_path(profile, "message"))
    session = dict(admin_client_root.session.items())
    assert [key for key in session if key.startswith("wizard")] == []
    assert "pw-in-db-only" not in repr(session)


def test_two_tabs_save_their_own_step(admin_client_root, make_profile):
    profile = make_profile(host="old.example.com", sender="OLD")
    admin_client_root.get(wizard_path(profile, "server"))  # tab A
    admin_client_root.get(wizard_path(profile, "message"))  # tab B

    # Tab B saves step 3 after tab A opened step 2 from the older row, and the other way round.
    post_step(admin_client_root, profile, "message", MESSAGE | {"sender": "NEW"})
    post_step(admin_client_root, profile, "server", SMPP_SERVER)
    profile.refresh_from_db()
    assert (profile.host, profile.sender) == ("smsc.example.com", "NEW")


def test_two_tabs_on_two_new_profiles_do_not_mix(admin_client_root, make_profile):
    one, two = (
        make_profile(complete=False, saved_steps=1),
        make_profile(complete=False, saved_steps=1),
    )
    admin_client_root.get(wizard_path(one, "server"))
    admin_client_root.get(wizard_path(two, "server"))
    post_step(admin_client_root, two, "server", SMPP_SERVER | {"host": "two.example"})
    post_step(admin_client_root, one, "server", SMPP_SERVER | {"host": "one.example"})
    assert SmsProfile.objects.get(pk=one.pk).host == "one.example"
    assert SmsProfile.objects.get(pk=two.pk).host == "two.example"


def test_it_saves_only_the_step_of_the_url(admin_client_root, make_profile):
    # Fields of another step posted to step 2's URL are not that step's: nothing else changes.
    profile = make_profile(host="kept.example.com", sender="KEPT")
    payload = {f"server-{key}": value for key, value in SMPP_SERVER.items()}
    payload |= {"message-sender": "OTHER", "message-message_en": "Other", "_save": "1"}
    response = admin_client_root.post(wizard_path(profile, "server"), payload)
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.host, profile.sender) == ("smsc.example.com", "KEPT")


def test_it_answers_404_for_an_unknown_step(admin_client_root, make_profile):
    profile = make_profile()
    assert admin_client_root.get(wizard_path(profile, "server")).status_code == 200
    assert admin_client_root.get(wizard_path(profile, "nope")).status_code == 404


def test_it_shows_errors_and_saves_nothing_when_a_step_is_invalid(admin_client_root, make_profile):
    profile = make_profile(host="kept.example.com")
    response = post_step(admin_client_root, profile, "server", SMPP_SERVER | {"port": "70000"})
    assert response.status_code == 200
    assert "less than or equal to 65535" in response.content.decode()
    profile.refresh_from_db()
    assert profile.host == "kept.example.com"


def test_a_step_form_ignores_broken_fields_of_other_steps(admin_client_root, make_profile):
    # A complete SMPP profile without a host (e.g. from an old import): step 3 still saves.
    profile = make_profile(host="")
    response = post_step(admin_client_root, profile, "message", MESSAGE)
    assert response.status_code == 302
