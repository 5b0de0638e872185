"""Test connection binds with the stored credentials, so only a POST with a CSRF token, from a
user who may send with the profile, runs it; a GET only offers the button."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.profiles.test_secrets_follow_the_destination import Listener

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def _url(profile):
    return reverse("admin:sending_test_connection", args=[profile.pk])


def test_a_get_only_offers_the_check(client, superuser, make_profile, listener):
    profile = make_profile(host="127.0.0.1", port=listener.port, bind_timeout=1)
    client.force_login(superuser)
    page = client.get(_url(profile))

    assert page.status_code == 200
    assert '<form method="post"' in page.text and 'name="csrfmiddlewaretoken"' in page.text
    assert "Test connection failed" not in page.text and "Connection OK" not in page.text
    assert listener.connections == 0


def test_a_post_needs_the_csrf_token(superuser, make_profile, listener):
    profile = make_profile(host="127.0.0.1", port=listener.port, bind_timeout=1)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(superuser)
    assert browser.post(_url(profile)).status_code == 403
    assert listener.connections == 0

    form = browser.get(_url(profile)).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    response = browser.post(_url(profile), {"csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 200 and "Test connection failed" in response.text
    assert listener.connections == 1


def test_a_user_who_may_only_view_the_profile_cannot_run_it(
    client, staff_viewer, make_profile, listener
):
    profile = make_profile(is_global=True, host="127.0.0.1", port=listener.port, bind_timeout=1)
    client.force_login(staff_viewer)
    assert client.get(_url(profile)).status_code == 403
    assert client.post(_url(profile)).status_code == 403
    assert listener.connections == 0
