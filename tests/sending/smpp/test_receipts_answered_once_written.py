"""A receipt on a sending bind is answered (deliver_sm_resp ESME_ROK) only once it is written;
one that is not written is left with the SMSC, which sends it again on the next bind.

Against the Net::SMPP peer, which keeps each deliver_sm until its response and logs every
deliver_sm_resp with the time it arrived.
"""

from __future__ import annotations

import time

import pytest

from profiles.choices import BindMode
from sending import services
from sending.models import Message
from sending.transports.base import OutgoingMessage
from sending.transports.smpp.errors import ESME_ROK, ESME_RX_T_APPN
from sending.transports.smpp.transport import SmppTransport
from tests.support import ListSink

pytestmark = pytest.mark.peer


class FailingSink(ListSink):
    """A sink whose writes fail (a database that is away)."""

    def flush(self) -> None:
        raise RuntimeError("the database is away")


def _resps(peer, status: int) -> list[dict]:
    return [e for e in peer.events("deliver_sm_resp") if e["status"] == status]


def test_a_receipt_not_written_is_sent_again_on_the_next_bind(start_smsc, smpp_profile):
    peer = start_smsc("netsmpp", receipt_delay=0.2)
    profile = smpp_profile(peer, bind_mode=BindMode.TRANSCEIVER)
    failing = FailingSink()
    with pytest.raises(RuntimeError), SmppTransport(profile, sink=failing) as transport:
        result = transport.send(OutgoingMessage("+4915112345678", "ACME", "Not written"))
        deadline = time.monotonic() + 5
        while not failing.pending and time.monotonic() < deadline:
            transport.poll_receipts(0.1)
    assert [r.provider_id for r in failing.pending] == result.provider_ids
    assert not peer.events("deliver_sm_resp")  # handed to the sink, never answered

    written = ListSink()
    with SmppTransport(profile, sink=written) as transport:
        transport.poll_receipts(1.0)
    assert [r.provider_id for r in written.written] == result.provider_ids
    [again] = [e for e in peer.events("deliver_sm") if e["redelivery"]]
    assert again["session"] == 2  # the second bind
    assert peer.wait_for(lambda: _resps(peer, ESME_ROK))[0]["n"] == again["n"]


def test_a_bind_without_a_sink_leaves_receipts_to_the_receiver(start_smsc, smpp_profile):
    """Test connection, or a pooled task given nowhere to write: ESME_RX_T_APPN, never lost."""
    peer = start_smsc("netsmpp")
    profile = smpp_profile(peer, bind_mode=BindMode.TRANSCEIVER)
    with SmppTransport(profile) as transport:
        transport.send(OutgoingMessage("+4915112345678", "ACME", "Nowhere to write"))
        transport.poll_receipts(0.5)
    assert peer.wait_for(lambda: _resps(peer, ESME_RX_T_APPN))
    assert not _resps(peer, ESME_ROK)


@pytest.mark.django_db(transaction=True)
def test_a_test_sms_receipt_is_answered_after_its_row_is_written(start_smsc, smpp_profile):
    peer = start_smsc("netsmpp", receipt_delay=0.3)
    profile = smpp_profile(peer, bind_mode=BindMode.TRANSCEIVER)
    message = services.create_message(profile, "+33612345678", text="Answered after")
    message = services.send_message(message.pk, listen=5)

    assert message.status == Message.Status.DELIVERED
    part = message.parts.get()
    [answer] = peer.wait_for(lambda: _resps(peer, ESME_ROK))
    assert part.receipt_at.timestamp() < answer["t"]  # the row was written first


def test_receipts_keep_flowing_on_a_busy_bind_when_the_smsc_waits_for_each_answer(
    start_smsc, smpp_profile
):
    # An SMSC with a deliver_sm window of 1 sends the next receipt only once the last one is
    # answered: a bind that answered only every ACK_WITHIN would take 4 receipts a second.
    peer = start_smsc("netsmpp", deliver_window=1)
    profile = smpp_profile(
        peer, bind_mode=BindMode.TRANSCEIVER, processing_mode="async", throughput=100
    )
    sink = ListSink()
    outgoing = [OutgoingMessage(f"+49151{i:08d}", "ACME", f"Busy {i}") for i in range(200)]
    with SmppTransport(profile, sink=sink) as transport:
        sent = list(transport.send_many(outgoing))  # two seconds at the cap
        during = len(sink.written)
        transport.poll_receipts(1.0)
    assert len(sent) == 200
    assert during >= 150, during  # answered as they came, while sending
    assert len(sink.written) == 200
