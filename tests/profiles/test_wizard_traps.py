"""The three formtools traps (STYLE.md), each handled on purpose, plus direct step links."""

from __future__ import annotations

import pytest

from profiles.models import SmsProfile

from .wizard_helpers import SMPP_SERVER, advanced_defaults, post_step, run_id, wizard_path

pytestmark = pytest.mark.django_db

MESSAGE = {"sender": "ACME", "message_en": "Edited text", "missing_data_policy": "fail"}


def storage_keys(client) -> list[str]:
    return [key for key in client.session.keys() if key.startswith("wizard_profile_")]


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
    # formtools' done() re-validates every step of the run; steps 1-3 were never opened here.
    profile = make_profile(complete=False, saved_steps=0b0111)
    page = admin_client_root.get(wizard_path(profile, "advanced"))
    data = advanced_defaults(page.context["form"]) | {"retry_map": "ESME_RTHROTTLED=30"}
    response = post_step(
        admin_client_root, profile, "advanced", data, run=run_id(page), button="_finish"
    )
    assert response.status_code == 302, response.context["form"].errors
    profile.refresh_from_db()
    assert profile.is_complete and profile.retry_map == {"ESME_RTHROTTLED": 30}


def test_a_plain_get_starts_a_new_run_and_loses_nothing_saved(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0001, host="", port=None)
    first_run = run_id(admin_client_root.get(wizard_path(profile, "server")))
    post_step(admin_client_root, profile, "server", SMPP_SERVER, run=first_run)

    page = admin_client_root.get(wizard_path(profile, "server"))  # reload, bookmark, new tab
    assert run_id(page) != first_run
    assert page.context["form"]["host"].value() == "smsc.example.com"
    assert page.context["wizard"]["steps"].current == "server"


def test_a_get_with_the_run_id_continues_that_run(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0001)
    response = post_step(admin_client_root, profile, "server", SMPP_SERVER, button="_continue")
    page = admin_client_root.get(response.url)
    storage = admin_client_root.session[f"wizard_profile_{profile.pk}_{run_id(page)}"]
    assert storage["step_data"]["server"] == {"saved": ["2"]}  # and no password in the session
    assert storage["step"] == "message"


def test_two_tabs_have_their_own_storage_and_save_their_own_step(admin_client_root, make_profile):
    profile = make_profile(host="old.example.com", sender="OLD")
    tab_a = run_id(admin_client_root.get(wizard_path(profile, "server")))
    tab_b = run_id(admin_client_root.get(wizard_path(profile, "message")))
    assert tab_a != tab_b and len(storage_keys(admin_client_root)) == 2

    # Tab B saves step 3 after tab A opened step 2 from the older row, and the other way round.
    post_step(admin_client_root, profile, "message", MESSAGE | {"sender": "NEW"}, run=tab_b)
    post_step(admin_client_root, profile, "server", SMPP_SERVER, run=tab_a)
    profile.refresh_from_db()
    assert (profile.host, profile.sender) == ("smsc.example.com", "NEW")


def test_two_tabs_on_two_new_profiles_do_not_mix(admin_client_root, make_profile):
    one, two = (
        make_profile(complete=False, saved_steps=1),
        make_profile(complete=False, saved_steps=1),
    )
    run_one = run_id(admin_client_root.get(wizard_path(one, "server")))
    run_two = run_id(admin_client_root.get(wizard_path(two, "server")))
    post_step(admin_client_root, two, "server", SMPP_SERVER | {"host": "two.example"}, run=run_two)
    post_step(admin_client_root, one, "server", SMPP_SERVER | {"host": "one.example"}, run=run_one)
    assert SmsProfile.objects.get(pk=one.pk).host == "one.example"
    assert SmsProfile.objects.get(pk=two.pk).host == "two.example"


def test_it_refuses_a_post_whose_management_form_names_another_step(
    admin_client_root, make_profile
):
    profile = make_profile()
    run = run_id(admin_client_root.get(wizard_path(profile, "server")))
    response = admin_client_root.post(
        wizard_path(profile, "server"),
        {f"profile_{profile.pk}_{run}-current_step": "advanced", "wizard_run": run},
    )
    assert response.status_code == 400


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


def test_it_keeps_a_bounded_number_of_runs_in_the_session(admin_client_root, make_profile):
    profile = make_profile()
    for _ in range(25):
        admin_client_root.get(wizard_path(profile, "server"))
    assert len(storage_keys(admin_client_root)) <= 20


def test_a_step_form_ignores_broken_fields_of_other_steps(admin_client_root, make_profile):
    # A complete SMPP profile without a host (e.g. from an old import): step 3 still saves.
    profile = make_profile(host="")
    response = post_step(admin_client_root, profile, "message", MESSAGE)
    assert response.status_code == 302
