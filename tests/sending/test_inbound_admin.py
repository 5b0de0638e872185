"""The admin lists of inbound messages and unmatched receipts, and the token regeneration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sending.models import InboundMessage, UnmatchedReceipt
from sending.transports import WEB_URL

pytestmark = pytest.mark.django_db


def test_it_lists_inbound_messages_with_search_and_an_incomplete_filter(
    client, superuser, make_profile
):
    profile = make_profile()
    now = timezone.now()
    InboundMessage.objects.create(
        profile=profile, sender="+4915111111111", recipient="4930555", text="Yes please",
        received_at=now,
    )  # fmt: skip
    InboundMessage.objects.create(
        profile=profile, sender="+4915122222222", recipient="4930555", text="first  […]",
        received_at=now - timedelta(hours=2), complete=False, parts_total=3, parts_received=1,
        concat_ref=7,
    )  # fmt: skip
    client.force_login(superuser)
    url = reverse("admin:sending_inboundmessage_changelist")

    page = client.get(url, {"q": "please"}).content.decode()
    assert "Yes please" in page and "+4915122222222" not in page
    page = client.get(url, {"parts": "incomplete"}).content.decode()
    assert "Incomplete: 1 of 3 parts" in page and "Yes please" not in page


def test_it_lists_unmatched_receipts(client, superuser, make_profile):
    profile = make_profile()
    UnmatchedReceipt.objects.create(
        profile=profile, provider_id="ABC999", key1="abc999", status="DELIVRD",
        received_at=timezone.now() - timedelta(days=1),
    )  # fmt: skip
    client.force_login(superuser)
    page = client.get(reverse("admin:sending_unmatchedreceipt_changelist")).content.decode()
    assert "ABC999" in page and "No message has this id" in page


def test_it_regenerates_the_receipt_token_and_shows_the_url_once(client, superuser, make_profile):
    profile = make_profile(protocol=WEB_URL, url="http://127.0.0.1:9/?to={to}&text={text}")
    old = profile.ensure_receipt_token()
    client.force_login(superuser)
    response = client.post(
        reverse("admin:profiles_smsprofile_changelist"),
        {"action": "regenerate_receipt_token", "_selected_action": [profile.pk]},
        follow=True,
    )
    profile.refresh_from_db()
    assert profile.receipt_token != old
    assert f"/receipts/{profile.pk}/{profile.receipt_token}/" in response.content.decode()
    assert profile.receipt_token not in client.get(response.request["PATH_INFO"]).content.decode()
    assert old not in profile.receipt_token_encrypted  # stored encrypted


@pytest.mark.parametrize("model", ["inboundmessage", "unmatchedreceipt"])
def test_a_staff_user_sees_neither_the_rows_nor_the_name_of_a_private_profile(
    client, staff_editor, superuser, make_profile, model
):
    staff_editor.user_permissions.add(Permission.objects.get(codename=f"view_{model}"))
    shared = make_profile(name="Shared One", is_global=True, owner=superuser)
    private = make_profile(name="Secret Acquisition Project", owner=superuser)
    now = timezone.now()
    for profile, mark in ((shared, "SHARED1"), (private, "HIDDEN9")):
        InboundMessage.objects.create(
            profile=profile, sender="+4915111111111", recipient="4930555", text=mark,
            received_at=now,
        )  # fmt: skip
        UnmatchedReceipt.objects.create(
            profile=profile, provider_id=mark, key1=mark.lower(), status="DELIVRD", received_at=now
        )
    client.force_login(staff_editor)
    page = client.get(reverse(f"admin:sending_{model}_changelist"))

    assert page.status_code == 200
    assert "SHARED1" in page.text and "Shared One" in page.text
    assert "HIDDEN9" not in page.text and "Secret Acquisition" not in page.text


def test_both_lists_filter_over_fixed_choices_without_scanning_the_table(
    client, superuser, make_profile
):
    profile = make_profile()
    now = timezone.now()
    for sender, encoding in (("+4915111111111", "gsm7"), ("+4915122222222", "ucs2")):
        InboundMessage.objects.create(
            profile=profile, sender=sender, recipient="4930555", text="hi", encoding=encoding,
            received_at=now,
        )  # fmt: skip
    for provider_id, status in (("a1", "DELIVRD"), ("a2", "UNDELIV")):
        UnmatchedReceipt.objects.create(
            profile=profile, provider_id=provider_id, key1=provider_id, status=status,
            received_at=now,
        )  # fmt: skip
    client.force_login(superuser)
    inbound = reverse("admin:sending_inboundmessage_changelist")
    receipts = reverse("admin:sending_unmatchedreceipt_changelist")
    for url in (inbound, receipts):
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url).content.decode()
        assert not [q["sql"] for q in captured.captured_queries if "DISTINCT" in q["sql"].upper()]
        assert "?received_at__gte=" in page  # the date filter stays, as fixed ranges
    assert "?encoding=ucs2" in client.get(inbound).content.decode()
    page = client.get(inbound, {"encoding": "ucs2"}).content.decode()
    assert "+4915122222222" in page and "+4915111111111" not in page
    assert "?status=UNDELIV" in client.get(receipts).content.decode()
    page = client.get(receipts, {"status": "UNDELIV"}).content.decode()
    assert ">a2<" in page and ">a1<" not in page
