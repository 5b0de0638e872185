"""The password never reaches a rendered page, and it is encrypted in the database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from .wizard_helpers import SMPP_SERVER, post_step, wizard_path

pytestmark = pytest.mark.django_db

SECRET = "Pw-never-shown-42"


def test_the_password_is_absent_from_every_page(admin_client_root, make_profile):
    profile = make_profile(name="Secretive", is_global=True, password=SECRET)
    urls = [wizard_path(profile, step) for step in ("create", "server", "message", "advanced")]
    urls += [
        reverse("admin:profiles_smsprofile_changelist"),
        reverse("admin:profiles_smsprofile_change", args=[profile.pk]),
        reverse("admin:profiles_smssettings_changelist"),
        reverse("admin:index"),
    ]
    for url in urls:
        response = admin_client_root.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url
    # Not after a failed save either, where forms usually re-render what was typed.
    response = post_step(
        admin_client_root, profile, "server", SMPP_SERVER | {"password": SECRET, "port": "0"}
    )
    assert response.status_code == 200 and SECRET not in response.content.decode()


def test_a_password_typed_in_the_wizard_is_stored_encrypted(admin_client_root, make_profile):
    profile = make_profile(password="")
    post_step(admin_client_root, profile, "server", SMPP_SERVER | {"password": SECRET})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT password_encrypted FROM profiles_smsprofile WHERE id = %s", [profile.pk]
        )
        (raw,) = cursor.fetchone()
    assert raw and SECRET not in raw
    profile.refresh_from_db()
    assert profile.password == SECRET
    session = str(dict(admin_client_root.session))
    assert SECRET not in session


def test_an_empty_password_field_keeps_the_stored_one(admin_client_root, make_profile):
    profile = make_profile(password=SECRET, host="smsc.example.com")  # the same server
    page = admin_client_root.get(wizard_path(profile, "server")).content.decode()
    assert "A password is stored. Leave empty to keep it" in page
    post_step(admin_client_root, profile, "server", SMPP_SERVER | {"password": ""})
    profile.refresh_from_db()
    assert profile.password == SECRET
