"""The sandbox SMSC and the receiver: a Test SMS shows delivered from a receipt that arrives after
the sending bind is gone (what `make run` does with the demo profile)."""

from __future__ import annotations

import pytest

from profiles import choices
from sending import services
from sending.models import Message

from .conftest import bound, wait_until

pytestmark = [pytest.mark.peer, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("mode", [choices.BindMode.TRANSCEIVER, choices.BindMode.TRANSMITTER])
def test_a_test_sms_is_delivered_by_a_receipt_after_its_bind_closed(
    mode, start_smsc, smpp_profile, receiver
):
    peer = start_smsc("sandbox", receipt_delay=2)
    profile = smpp_profile(peer, bind_mode=mode, max_binds=2, enquire_link_interval=5)
    running = receiver(profile)
    assert bound(running, profile)
    message = services.create_message(profile, "+4915112345678", text="Sandbox test")

    sent = services.send_message(message.pk)  # no listening: the bind closes at once
    assert sent.status == Message.Status.SENT

    assert wait_until(
        lambda: Message.objects.get(pk=message.pk).status == Message.Status.DELIVERED, 15
    )
    receiving = "transceiver" if mode == choices.BindMode.TRANSCEIVER else "receiver"
    assert [b["mode"] for b in peer.events("bind")] == [receiving, mode]
    assert peer.events("deliver_sm_resp")
