"""Another user's private profile is invisible by name too: not in the Messages filter, not in
the duplicate-name error, and its messages answer 404 exactly like messages that do not exist."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from profiles.forms import CreateStepForm
from sending.models import Message

pytestmark = pytest.mark.django_db


def test_the_messages_profile_filter_lists_only_visible_profiles(
    client, staff_editor, superuser, make_profile
):
    staff_editor.user_permissions.add(Permission.objects.get(codename="view_message"))
    make_profile(name="Shared One", is_global=True, owner=superuser)
    make_profile(name="Mine Only", owner=staff_editor)
    make_profile(name="Secret Acquisition Project", owner=superuser)
    client.force_login(staff_editor)
    page = client.get(reverse("admin:sending_message_changelist")).text

    assert "Shared One" in page and "Mine Only" in page
    assert "Secret Acquisition" not in page


def test_the_duplicate_name_error_does_not_echo_a_private_name(superuser, make_profile):
    make_profile(name="Secret Acquisition PROJECT", owner=superuser)
    form = CreateStepForm({"name": "secret acquisition project"})
    assert not form.is_valid()
    error = form.errors["name"][0]
    assert "already exists" in error and "PROJECT" not in error


def test_a_forbidden_message_and_a_missing_one_answer_alike(
    client, staff_editor, superuser, make_profile
):
    private = make_profile(owner=superuser)
    message = Message.objects.create(profile=private, to="+33612345678", text="Hi")
    missing = message.pk + 1000
    for user in (staff_editor,):
        client.force_login(user)
        for name in ("admin:sending_send_test_result", "admin:sending_send_test_status"):
            there = client.get(reverse(name, args=[message.pk])).status_code
            absent = client.get(reverse(name, args=[missing])).status_code
            assert there == absent == 404
    staff_editor.user_permissions.clear()
    client.force_login(staff_editor)
    for name in ("admin:sending_send_test_result", "admin:sending_send_test_status"):
        assert client.get(reverse(name, args=[message.pk])).status_code == 404
        assert client.get(reverse(name, args=[missing])).status_code == 404


def test_the_bulk_jobs_profile_filter_lists_only_visible_profiles(
    client, staff_editor, superuser, make_profile
):
    from sending.models import BulkJob

    staff_editor.user_permissions.add(Permission.objects.get(codename="view_bulkjob"))
    shared = make_profile(name="Shared One", is_global=True, owner=superuser)
    make_profile(name="Secret Acquisition Project", owner=superuser)
    BulkJob.objects.create(name="Spring", profile=shared, created_by=superuser)
    client.force_login(staff_editor)
    page = client.get(reverse("admin:sending_bulkjob_changelist"))

    assert page.status_code == 200 and "Shared One" in page.text
    assert "Secret Acquisition" not in page.text
