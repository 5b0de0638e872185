"""The three traps of formtools' session wizard (STYLE.md), each handled on purpose
(profiles/wizard.py), plus direct step links and the management form."""

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

MESSAGE = {"sender": "ACME", "message_en": "Edited text", "missing_data_policy": "fail"}
SMS_SETTINGS = "/admin/profiles/smssettings/"


def slot(client, profile, run: str) -> dict:
    """One run's formtools storage in the session."""
    return client.session[f"wizard_profile_{profile.pk or 'new'}_{run}"]


def step_four(client, profile, run: str = "") -> tuple[dict, str]:
    page = client.get(wizard_path(profile, "advanced", run))
    return advanced_defaults(page.context["form"]), run_id(page)


def messages_of(client, url: str) -> list[str]:
    return [str(message) for message in client.get(url).context["messages"]]


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


# -- trap 2: the final re-validation covers steps never visited in this run ---------------------
def test_it_finishes_from_an_unvisited_last_step_checking_the_others_as_saved(
    admin_client_root, make_profile
):
    profile = make_profile(complete=False, saved_steps=0b0111, message="Your parcel is here.")
    data, run = step_four(admin_client_root, profile)  # steps 1-3 are not in this run
    data |= {"retry_map": "ESME_RTHROTTLED=30"}
    assert finish(admin_client_root, profile, data, run=run).url == SMS_SETTINGS
    profile.refresh_from_db()
    assert profile.is_complete and profile.retry_map == {"ESME_RTHROTTLED": 30}
    assert slot(admin_client_root, profile, run)["step_data"] == {}  # done() reset the run


def test_the_done_address_alone_finishes_a_profile_whose_steps_are_all_saved(
    admin_client_root, make_profile
):
    # No step posted in this run: all four, step 4's mappings and secret header too, are checked
    # as saved in the database.
    profile = make_profile(message="Your parcel is here.", retry_map={"ESME_RTHROTTLED": 30})
    profile.set_headers([{"name": "Authorization", "value": "Bearer x", "secret": True}])
    profile.save()
    response = admin_client_root.get(wizard_path(profile, "done"))
    assert response.url == SMS_SETTINGS
    SmsProfile.objects.filter(pk=profile.pk).update(success_regex="(")  # e.g. an old import
    assert admin_client_root.get(wizard_path(profile, "done")).url.startswith(
        wizard_path(profile, "advanced")
    )


def test_finishing_sends_the_user_to_a_step_never_saved(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0011, message="Valid but not saved")
    data, run = step_four(admin_client_root, profile)
    response = finish(admin_client_root, profile, data, run=run)
    assert response.url == wizard_path(profile, "message", run)
    assert "Step 3, “Message”, is not saved or not valid: check it and Save." in messages_of(
        admin_client_root, response.url
    )
    profile.refresh_from_db()
    assert profile.saved_steps == 0b1011 and not profile.is_complete  # step 4 is saved


def test_finishing_checks_the_saved_steps_against_the_database(admin_client_root, make_profile):
    # A complete profile whose step 2 lost its host (e.g. an old import): finishing refuses it.
    profile = make_profile(host="", message="Your parcel is here.")
    data, run = step_four(admin_client_root, profile)
    assert finish(admin_client_root, profile, data, run=run).url == wizard_path(
        profile, "server", run
    )
    # Saving step 2 in this run keeps its data there; finishing re-validates that and passes.
    post_step(admin_client_root, profile, "server", SMPP_SERVER, run=run)
    assert slot(admin_client_root, profile, run)["step_data"]["server"]["server-host"] == [
        "smsc.example.com"
    ]
    assert finish(admin_client_root, profile, data, run=run).url == SMS_SETTINGS


def test_the_run_keeps_posted_steps_without_any_secret(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0001)
    run = run_id(admin_client_root.get(wizard_path(profile, "server")))
    post_step(
        admin_client_root, profile, "server", SMPP_SERVER | {"password": "pw-db-only"}, run=run
    )
    data, _run = step_four(admin_client_root, profile, run)
    header = {"headers-0-name": "Authorization", "headers-0-value": "Bearer tok-db-only"}
    post_step(
        admin_client_root, profile, "advanced", data | header | {"headers-0-secret": "on"}, run=run
    )
    stored = slot(admin_client_root, profile, run)["step_data"]
    assert stored["server"]["server-username"] == ["acme"]
    assert "server-password" not in stored["server"]
    assert stored["advanced"]["advanced-headers-0-name"] == ["Authorization"]
    session = repr(dict(admin_client_root.session.items()))
    assert "pw-db-only" not in session and "tok-db-only" not in session
    profile.refresh_from_db()
    assert profile.password == "pw-db-only" and profile.header_items() == [
        ("Authorization", "Bearer tok-db-only")
    ]


# -- trap 1: a plain GET resets the storage; the database keeps every step ------------------------
def test_a_plain_get_starts_a_new_run_and_loses_nothing_saved(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0101, host="", port=None, message="Hi")
    first = run_id(admin_client_root.get(wizard_path(profile, "server")))
    post_step(admin_client_root, profile, "server", SMPP_SERVER, run=first)
    assert "server" in slot(admin_client_root, profile, first)["step_data"]

    page = admin_client_root.get(wizard_path(profile, "server"))  # reload, bookmark, new tab
    second = run_id(page)
    assert second != first and slot(admin_client_root, profile, second)["step_data"] == {}
    assert page.context["form"]["host"].value() == "smsc.example.com"  # from the database
    data, _run = step_four(admin_client_root, profile, second)
    assert finish(admin_client_root, profile, data, run=second).url == SMS_SETTINGS


def test_a_get_with_the_run_id_continues_that_run(admin_client_root, make_profile):
    profile = make_profile(complete=False, saved_steps=0b0001)
    run = run_id(admin_client_root.get(wizard_path(profile, "server")))
    response = post_step(
        admin_client_root, profile, "server", SMPP_SERVER, run=run, button="_continue"
    )
    page = admin_client_root.get(response.url)
    assert run_id(page) == run
    storage = slot(admin_client_root, profile, run)
    assert storage["step"] == "message" and list(storage["step_data"]) == ["server"]
    assert f'href="{wizard_path(profile, "server", run)}"' in page.content.decode()  # Back


def test_a_post_into_a_run_reset_by_done_saves_the_step_of_its_url(admin_client_root, make_profile):
    profile = make_profile(message="Your parcel is here.")
    data, run = step_four(admin_client_root, profile)
    finish(admin_client_root, profile, data, run=run)
    # The browser's Back button shows step 2 of the finished run again; its Save still works.
    post_step(
        admin_client_root, profile, "server", SMPP_SERVER | {"host": "again.example"}, run=run
    )
    profile.refresh_from_db()
    assert profile.host == "again.example"


def test_it_keeps_a_bounded_number_of_runs_in_the_session(admin_client_root, make_profile):
    profile = make_profile()
    runs = [run_id(admin_client_root.get(wizard_path(profile, "server"))) for _ in range(25)]
    keys = [key for key in admin_client_root.session.keys() if key.startswith("wizard_profile_")]
    assert len(keys) == 20 and keys[-1].endswith(runs[-1])


# -- trap 3: two tabs, two runs, two storage slots ----------------------------------------------
def test_two_tabs_have_their_own_storage_and_save_their_own_step(admin_client_root, make_profile):
    profile = make_profile(host="old.example.com", sender="OLD")
    tab_a = run_id(admin_client_root.get(wizard_path(profile, "server")))
    tab_b = run_id(admin_client_root.get(wizard_path(profile, "message")))
    assert tab_a != tab_b

    # Tab B saves step 3 after tab A opened step 2 from the older row, and the other way round.
    post_step(admin_client_root, profile, "message", MESSAGE | {"sender": "NEW"}, run=tab_b)
    post_step(admin_client_root, profile, "server", SMPP_SERVER, run=tab_a)
    profile.refresh_from_db()
    assert (profile.host, profile.sender) == ("smsc.example.com", "NEW")
    assert list(slot(admin_client_root, profile, tab_a)["step_data"]) == ["server"]
    assert list(slot(admin_client_root, profile, tab_b)["step_data"]) == ["message"]


def test_two_tabs_on_two_new_profiles_do_not_mix(admin_client_root):
    new = reverse("admin:profiles_smsprofile_wizard_new", args=["create"])
    tabs = {name: run_id(admin_client_root.get(new)) for name in ("One", "Two")}
    redirects = {
        name: admin_client_root.post(
            new,
            {"create-name": name, "_continue": "1"} | management(SmsProfile(), "create", run),
        ).url
        for name, run in tabs.items()
    }
    for name, run in reversed(tabs.items()):
        profile = SmsProfile.objects.get(name=name)
        assert redirects[name] == wizard_path(profile, "server", run)
        host = f"{name.lower()}.example"
        post_step(admin_client_root, profile, "server", SMPP_SERVER | {"host": host}, run=run)
    for name, run in tabs.items():
        profile = SmsProfile.objects.get(name=name)
        assert profile.host == f"{name.lower()}.example"
        stored = slot(admin_client_root, profile, run)["step_data"]["server"]
        assert stored["server-host"] == [profile.host]


# -- the management form, direct links, errors ---------------------------------------------------
def test_it_refuses_a_post_whose_management_form_names_another_step(
    admin_client_root, make_profile
):
    profile = make_profile()
    run = run_id(admin_client_root.get(wizard_path(profile, "server")))
    url = wizard_path(profile, "server")
    assert admin_client_root.post(url, management(profile, "advanced", run)).status_code == 400
    assert admin_client_root.post(url, {"server-host": "x", "_save": "1"}).status_code == 400
    done = wizard_path(profile, "done")
    assert admin_client_root.post(done, management(profile, "done", run)).status_code == 400


def test_it_saves_only_the_step_of_the_url(admin_client_root, make_profile):
    # Fields of another step posted to step 2's URL are not that step's: nothing else changes.
    profile = make_profile(host="kept.example.com", sender="KEPT")
    run = run_id(admin_client_root.get(wizard_path(profile, "server")))
    payload = {f"server-{key}": value for key, value in SMPP_SERVER.items()}
    payload |= {"message-sender": "OTHER", "message-message_en": "Other", "_save": "1"}
    payload |= management(profile, "server", run)
    assert admin_client_root.post(wizard_path(profile, "server"), payload).status_code == 302
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
