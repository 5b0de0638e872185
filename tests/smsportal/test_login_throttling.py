"""Login throttling (django-axes): after SMSPORTAL_LOGIN_FAILURE_LIMIT wrong passwords for one
user from one address, that user is locked out from that address for the cool-off time, even
with the right password; `manage.py axes_reset` lifts it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "admin:login"


def _try(client, password: str):
    return client.post(
        reverse(LOGIN), {"username": "root", "password": password, "next": "/admin/"}
    )


def test_it_locks_a_user_out_after_repeated_failures(client, superuser, settings):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    for _attempt in range(limit - 1):
        assert _try(client, "wrong").status_code == 200  # the form again, with its error
    assert _try(client, "pw-root-1").status_code == 302  # still allowed: below the limit

    client.logout()
    for _attempt in range(limit):
        _try(client, "wrong")
    locked = _try(client, "pw-root-1")
    assert locked.status_code == 429
    assert "Too many failed login attempts" in locked.text

    call_command("axes_reset", verbosity=0)
    assert _try(client, "pw-root-1").status_code == 302


def test_a_lockout_of_one_user_does_not_lock_another(client, superuser, staff_editor):
    for _attempt in range(6):
        _try(client, "wrong")
    answer = client.post(
        reverse(LOGIN), {"username": "editor", "password": "pw-staff-1", "next": "/admin/"}
    )
    assert answer.status_code == 302
