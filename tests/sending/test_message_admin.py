"""The read-only message admin: list, filters, search, and profile visibility."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from sending.models import Message, MessagePart

pytestmark = pytest.mark.django_db


def _message(profile, to, **fields):
    message = Message.objects.create(profile=profile, to=to, text="Hi", **fields)
    MessagePart.objects.create(message=message, index=1, provider_id=f"id-{to[-4:]}")
    return message


def test_it_lists_searches_and_filters_messages(client, superuser, make_profile):
    profile = make_profile(name="EU")
    _message(profile, "+33612345678", status="delivered")
    _message(profile, "+4915112345678", status="failed", error_reason="HTTP 400: bad number")
    client.force_login(superuser)
    url = reverse("admin:sending_message_changelist")

    page = client.get(url).content.decode()
    assert "+33612345678" in page and "HTTP 400: bad number" in page
    assert "+33612345678" not in client.get(url, {"status__exact": "failed"}).content.decode()
    found = client.get(url, {"q": "id-5678"}).content.decode()  # by provider id
    assert "+33612345678" in found


def test_it_shows_a_message_read_only_with_its_parts(client, superuser, make_profile):
    message = _message(make_profile(), "+33612345678", status="sent")
    client.force_login(superuser)
    response = client.get(reverse("admin:sending_message_change", args=[message.pk]))

    page = response.content.decode()
    assert response.status_code == 200 and "id-5678" in page
    assert 'name="_save"' not in page
    assert client.get(reverse("admin:sending_message_add")).status_code == 403


def test_it_shows_staff_only_the_messages_of_profiles_they_may_see(
    client, staff_editor, make_profile
):
    staff_editor.user_permissions.add(Permission.objects.get(codename="view_message"))
    _message(make_profile(is_global=True), "+33611111111")
    _message(make_profile(owner=staff_editor), "+33622222222")
    _message(make_profile(is_global=False), "+33633333333")
    client.force_login(staff_editor)

    page = client.get(reverse("admin:sending_message_changelist")).content.decode()
    assert "+33611111111" in page and "+33622222222" in page
    assert "+33633333333" not in page
