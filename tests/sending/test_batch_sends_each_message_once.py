"""services.send_messages: many messages, one session per profile, each sent exactly once, every
receipt matched even when it overtakes its own message's outcome."""

from __future__ import annotations

import pytest

from sending import services
from sending.models import Message, MessagePart, UnmatchedReceipt
from sending.receipt_matching import ReceiptQueue
from sending.transports.base import Receipt
from sending.transports.smpp.receipts import normalise_id
from tests.peers.http_gateway import Reply

pytestmark = pytest.mark.django_db


def _queue(profile, texts):
    return [
        services.create_message(profile, f"+3361234{n:04d}", text=text, kind="bulk").pk
        for n, text in enumerate(texts)
    ]


@pytest.mark.peer
def test_it_sends_a_batch_on_one_bind_and_matches_every_receipt(start_smsc, smpp_profile):
    texts = [f"Message {n} " + ("long " * 40 if n % 3 == 0 else "") for n in range(150)]
    peer = start_smsc("netsmpp")
    profile = smpp_profile(peer, bind_mode="transceiver", processing_mode="async", window_size=10)
    ids = _queue(profile, texts)
    sent = services.send_messages(ids, listen=15)
    binds, submits = peer.events("bind"), peer.events("submit_sm")

    assert len(binds) == 1
    assert len(sent) == 150 and {m.status for m in sent} == {"delivered"}
    assert len(submits) == sum(m.parts_count for m in sent) == 150 + 50
    # Every part the SMSC accepted is recorded exactly once, with the id it gave.
    recorded = MessagePart.objects.values_list("provider_id", flat=True)
    assert sorted(recorded) == sorted(s["message_id"] for s in submits)
    assert not MessagePart.objects.filter(receipt_status="").exists()


def test_it_claims_each_message_once_across_overlapping_batches(make_profile):
    profile = make_profile()
    ids = _queue(profile, ["x"] * 6)
    first = services._claim(ids[:4])
    second = services._claim(ids[2:])

    assert sorted(Message.objects.filter(claim=first).values_list("pk", flat=True)) == ids[:4]
    assert sorted(Message.objects.filter(claim=second).values_list("pk", flat=True)) == ids[4:]
    assert set(Message.objects.values_list("attempts", flat=True)) == {1}


def test_it_records_each_outcome_of_a_web_url_batch(web_url_profile, gateway):
    gateway.script(Reply(400, "bad number"))
    profile = web_url_profile(gateway, concurrency=4)
    ids = _queue(profile, [f"Text {n}" for n in range(20)])
    sent = services.send_messages(ids + ids)  # the same ids twice: claimed once

    assert len(sent) == 20
    statuses = [m.status for m in sent]
    assert statuses.count("failed") == 1 and statuses.count("sent") == 19
    assert sorted(gateway.texts()) == sorted(f"Text {n}" for n in range(20))
    assert services.send_messages(ids) == []


def test_it_keeps_a_receipt_that_overtakes_its_part_until_the_part_is_recorded(make_profile):
    profile = make_profile(receipt_id_format="auto")
    message = Message.objects.create(profile=profile, to="+33612345678", status="sent")
    queue = ReceiptQueue(profile)
    queue.add(Receipt("255", "DELIVRD", delivered=True))  # decimal for the hex id "ff"
    queue.flush()
    assert UnmatchedReceipt.objects.get().provider_id == "255"  # waits in the database

    MessagePart.objects.create(message=message, index=1, provider_id="FF", provider_key="ff")
    Message.objects.filter(pk=message.pk).update(parts_count=1)
    queue.parts_recorded([normalise_id("FF")])

    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    assert not UnmatchedReceipt.objects.exists()
