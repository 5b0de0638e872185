"""Inbound messages through the receiver: stored, reassembled, linked to what they answer, STOP."""

from __future__ import annotations

import pytest
from django.utils import timezone

from profiles import choices
from sending.jobs import create, importer
from sending.models import BulkJob, InboundMessage, Message, OptOut

from .conftest import bound, receiving_profile, spool_deliver_sm, wait_until

pytestmark = [pytest.mark.peer, pytest.mark.django_db(transaction=True)]

HANDSET = "4915112345678"


def _mo(peer, data: bytes, *, data_coding=0, esm_class=0, tlvs=None, source=HANDSET):
    spool_deliver_sm(
        peer, kind="mo", source_addr=source, source_addr_ton=1, destination_addr="4930555",
        esm_class=esm_class, data_coding=data_coding, short_message=data, tlvs=tlvs or {},
    )  # fmt: skip


@pytest.fixture
def listening(netsmpp, smpp_profile, receiver):
    def start(**fields):
        peer = netsmpp()
        profile = receiving_profile(smpp_profile, peer, **fields)
        assert bound(receiver(profile), profile)
        return peer, profile

    return start


def _stored() -> list[InboundMessage]:
    return list(InboundMessage.objects.filter(complete=True).order_by("pk"))


def _complete(count: int = 1):
    return wait_until(lambda: len(stored := _stored()) >= count and stored)


def test_it_stores_a_single_inbound_message(listening):
    peer, profile = listening()
    _mo(peer, "Hello ÄÖ @ home".encode("gsm03.38"))

    [inbound] = _complete()
    assert (inbound.sender, inbound.recipient, inbound.profile) == (
        "+" + HANDSET,
        "4930555",
        profile,
    )
    assert (inbound.text, inbound.encoding) == ("Hello ÄÖ @ home", "gsm7")
    assert inbound.received_at <= timezone.now()
    assert peer.wait_for(lambda: peer.events("deliver_sm_resp"))[0]["status"] == 0


@pytest.mark.parametrize(
    ("data", "data_coding", "text"),
    [(b"A\x00B", 3, "A\ufffdB"), ("A\0B".encode("utf-16-be"), 8, "A\ufffdB")],
)
def test_it_stores_a_message_holding_a_nul_and_answers_it(listening, data, data_coding, text):
    # PostgreSQL's text refuses NUL: unstored, the deliver_sm would never be answered and the
    # SMSC would send it again for ever.
    peer, _profile = listening()
    _mo(peer, data, data_coding=data_coding)

    [inbound] = _complete()
    assert inbound.text == text
    assert peer.wait_for(lambda: peer.events("deliver_sm_resp"))[0]["status"] == 0


def test_it_reassembles_a_two_part_ucs2_message_sent_out_of_order(listening):
    peer, _profile = listening()
    text = "Привет " * 9 + "abc👋 и ещё"  # 66 units, then a surrogate pair cut between parts
    octets = text.encode("utf-16-be")
    first, second = octets[:134], octets[134:]
    assert 0xD800 <= int.from_bytes(first[-2:], "big") <= 0xDBFF  # the pair is split
    udh = bytes([5, 0, 3, 0x2A, 2])
    _mo(peer, udh + bytes([2]) + second, data_coding=8, esm_class=0x40)
    assert wait_until(lambda: InboundMessage.objects.filter(complete=False).exists())
    _mo(peer, udh + bytes([1]) + first, data_coding=8, esm_class=0x40)

    [inbound] = _complete()
    assert (inbound.text, inbound.encoding, inbound.parts_total) == (text, "ucs2", 2)
    assert InboundMessage.objects.count() == 1


def test_it_reassembles_sar_parts_with_a_16_bit_reference(listening):
    peer, _profile = listening()
    for index, piece in ((3, b"three"), (1, b"one "), (2, b"two ")):
        tlvs = {
            "sar_msg_ref_num": (0x1234).to_bytes(2, "big"),
            "sar_total_segments": bytes([3]),
            "sar_segment_seqnum": bytes([index]),
        }
        _mo(peer, piece, tlvs=tlvs)
    [inbound] = _complete()
    assert inbound.text == "one two three" and inbound.concat_ref == 0x1234


def test_it_shows_a_message_missing_a_part_as_incomplete(listening):
    peer, _profile = listening()
    udh = bytes([6, 8, 4, 0x01, 0x02, 3])  # 16-bit reference 0x0102, three parts
    _mo(peer, udh + bytes([1]) + b"first ", esm_class=0x40)
    _mo(peer, udh + bytes([3]) + b"third", esm_class=0x40)
    inbound = wait_until(
        lambda: InboundMessage.objects.filter(parts_received=2, complete=False).first()
    )
    assert inbound.text == "first  […] third"  # the missing part stands out


def test_it_links_a_reply_to_the_last_message_of_a_bulk_job(listening):
    peer, profile = listening()
    job = BulkJob.objects.create(name="Survey", profile=profile, status=BulkJob.Status.FINISHED)
    older = Message.objects.create(
        profile=profile, to="+" + HANDSET, text="Old", status=Message.Status.DELIVERED,
        sent_at=timezone.now(),
    )  # fmt: skip
    last = Message.objects.create(
        profile=profile, job=job, to="+" + HANDSET, text="Yes or no?",
        status=Message.Status.DELIVERED, kind=Message.Kind.BULK, sent_at=timezone.now(),
    )  # fmt: skip
    _mo(peer, b"Yes")
    [inbound] = _complete()
    assert (inbound.reply_to, inbound.job) == (last, job) and older != last


@pytest.mark.parametrize("word", ["STOP", "stop!", " Unsubscribe ", "Arrêt", "STOPP", "BAJA"])
def test_it_puts_a_number_that_texts_a_stop_keyword_on_the_opt_out_list(listening, word):
    peer, profile = listening(stop_reply="You will get no more messages.")
    try:
        _mo(peer, word.encode("gsm03.38"))
    except UnicodeEncodeError:
        _mo(peer, word.encode("utf-16-be"), data_coding=8)  # "ê" is not in the GSM alphabet

    [inbound] = _complete()
    assert inbound.action == InboundMessage.Action.OPTED_OUT
    assert OptOut.is_suppressed("+" + HANDSET)  # what a bulk job's import checks
    entry = OptOut.objects.get(number="+" + HANDSET)
    assert entry.source == OptOut.Source.KEYWORD and word.strip() in entry.reason
    reply = Message.objects.get(kind=Message.Kind.REPLY)
    assert (reply.to, reply.text, reply.profile) == (
        "+" + HANDSET, "You will get no more messages.", profile,
    )  # fmt: skip


def test_it_takes_a_number_that_texts_start_off_the_list(listening):
    peer, _profile = listening()
    OptOut.add("+" + HANDSET, source=OptOut.Source.KEYWORD, reason="STOP")
    _mo(peer, b"Stop me not")  # not a keyword: the whole text must be one
    _mo(peer, b"START")

    first, second = _complete(2)
    assert (first.action, second.action) == ("", InboundMessage.Action.OPTED_IN)
    assert not OptOut.objects.exists()
    assert not Message.objects.filter(kind=Message.Kind.REPLY).exists()  # no reply text set


def _bulk_job(profile, numbers: str):
    """A bulk job of pasted numbers, imported the way the import task does it."""
    job = create.create_job(profile=profile, name="Next campaign", pasted=numbers)
    assert create.confirm_mapping(job, job.mapping) == []
    return importer.run_import(job.pk)


def test_it_leaves_a_number_that_texted_stop_out_of_the_next_bulk_job_until_start(
    listening, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    peer, profile = listening(message="Your parcel is ready.")
    other = "+4915112345670"
    _mo(peer, b"STOP")
    _complete()

    job = _bulk_job(profile, f"+{HANDSET}\n{other}\n")
    assert list(job.messages.values_list("to", flat=True)) == [other]
    assert job.rows_suppressed == 1
    assert list(job.issues.values_list("code", flat=True)) == ["suppressed"]

    _mo(peer, b"START")
    _complete(2)
    job = _bulk_job(profile, f"+{HANDSET}\n{other}\n")
    assert sorted(job.messages.values_list("to", flat=True)) == sorted(["+" + HANDSET, other])
    assert job.rows_suppressed == 0


def test_it_stores_an_inbound_message_that_first_came_on_a_sending_bind(
    netsmpp, smpp_profile, receiver
):
    from sending.transports.smpp.session import Session

    peer = netsmpp()
    profile = smpp_profile(peer, bind_mode=choices.BindMode.TRANSCEIVER, max_binds=2)
    sender = Session(profile)  # a sending worker's transceiver bind, the only one bound
    sender.connect()
    try:
        _mo(peer, b"Hello from a handset")
        sender.poll(2.0)  # the peer tries again every second, on the only bind there is
        refused = peer.wait_for(lambda: peer.events("deliver_sm_resp"))[0]
        assert refused["status"] == 0x64  # ESME_RX_T_APPN: not taken, so not lost
        assert not InboundMessage.objects.exists()

        assert bound(receiver(profile), profile)
        # The sending bind keeps reading, as a worker's does: an offer that came to it again
        # before the receiver bound is refused once more rather than left unanswered on it.
        [inbound] = wait_until(lambda: sender.poll(0.2) or _stored())
    finally:
        sender.close()
    assert inbound.text == "Hello from a handset"
    answers = [(e["session"], e["status"]) for e in peer.events("deliver_sm_resp")]
    *refusals, (session, status) = answers
    assert refusals and set(refusals) == {(refused["session"], 0x64)}
    assert status == 0 and session != refused["session"]  # stored by the receiver's bind
    assert InboundMessage.objects.count() == 1
