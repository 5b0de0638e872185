"""A long message is judged once, when it is queued, by the rule the SMPP transport then follows."""

from __future__ import annotations

import pytest

from sending import services
from sending.models import Message


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_payload_message_over_max_parts_when_queued(start_smsc, smpp_profile):
    peer = start_smsc("sandbox", no_receipts=True)
    profile = smpp_profile(peer, long_message_method="payload", max_parts=2, message="z" * 307)
    message = services.create_message(profile, "+4915112345678")

    assert message.status == Message.Status.FAILED
    assert message.error_code == "TOO_LONG" and "at most 2" in message.error_reason


@pytest.mark.django_db(transaction=True)
def test_it_sends_a_payload_message_within_max_parts_in_one_submit(start_smsc, smpp_profile):
    peer = start_smsc("sandbox", no_receipts=True)
    profile = smpp_profile(peer, long_message_method="payload", max_parts=2, message="z" * 306)
    queued = services.create_message(profile, "+4915112345678")
    assert queued.status == Message.Status.QUEUED and queued.parts_count == 2

    message = services.send_message(queued.pk)

    assert message.status == Message.Status.SENT
    accepted = peer.wait_for(peer.accepted)
    assert len(accepted) == 1 and accepted[0]["short_message"] == ""  # the text is in the TLV
