"""Delivery receipts: matched per part by provider id (hex or decimal), settled only when every
part has its final receipt."""

from __future__ import annotations

import pytest

from sending.models import BulkJob, JobSecond, Message, MessagePart
from sending.receipt_matching import record_receipt
from sending.transports.base import Receipt
from sending.transports.smpp.receipts import normalise_id

pytestmark = pytest.mark.django_db


def _sent(profile, *provider_ids, job=None):
    message = Message.objects.create(
        profile=profile, to="+33612345678", text="x", status=Message.Status.SENT,
        parts_count=len(provider_ids), job=job,
    )  # fmt: skip
    for index, pid in enumerate(provider_ids, start=1):
        MessagePart.objects.create(
            message=message, index=index, provider_id=pid, provider_key=normalise_id(pid)
        )
    return message


def _delivered(pid):
    return Receipt(provider_id=pid, status="DELIVRD", raw=f"id:{pid} stat:DELIVRD", delivered=True)


def test_it_marks_a_single_part_message_delivered(make_profile):
    profile = make_profile()
    message = _sent(profile, "abc123")
    part = record_receipt(profile, _delivered("ABC123"))

    assert part.receipt_status == "DELIVRD" and part.receipt_raw.startswith("id:ABC123")
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED and message.finished_at


def test_it_waits_for_every_part_before_calling_a_message_delivered(make_profile):
    profile = make_profile()
    message = _sent(profile, "101", "102", "103")
    record_receipt(profile, _delivered("101"))
    record_receipt(profile, _delivered("103"))
    message.refresh_from_db()
    assert message.status == Message.Status.SENT

    record_receipt(profile, _delivered("102"))
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED


def test_it_calls_a_message_undelivered_when_one_part_fails(make_profile):
    profile = make_profile()
    message = _sent(profile, "201", "202")
    record_receipt(profile, _delivered("201"))
    record_receipt(profile, Receipt("202", "UNDELIV", error_code="011", delivered=False))
    message.refresh_from_db()

    assert message.status == Message.Status.UNDELIVERED
    assert (message.error_code, message.error_reason) == ("011", "UNDELIV")


def test_it_keeps_an_intermediate_receipt_without_settling(make_profile):
    profile = make_profile()
    message = _sent(profile, "301")
    part = record_receipt(profile, Receipt("301", "ENROUTE", final=False))
    message.refresh_from_db()
    assert part.receipt_status == "ENROUTE" and part.delivered is None
    assert message.status == Message.Status.SENT


@pytest.mark.parametrize(
    ("id_format", "submitted", "in_receipt"),
    [
        ("auto", "0A1B2C", "662316"),  # hex in submit_sm_resp, decimal in the receipt
        ("auto", "662316", "a1b2c"),  # decimal in submit_sm_resp, hex in the receipt
        ("decimal", "a1b2c", "662316"),
        ("hex", "662316", "000A1B2C"),
    ],
)
def test_it_matches_receipt_ids_across_hex_and_decimal(
    make_profile, id_format, submitted, in_receipt
):
    profile = make_profile(receipt_id_format=id_format)
    message = _sent(profile, submitted)
    assert record_receipt(profile, _delivered(in_receipt)) is not None
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED


def test_it_ignores_receipts_for_another_profiles_message(make_profile):
    mine, other = make_profile(), make_profile()
    message = _sent(other, "777")
    assert record_receipt(mine, _delivered("777")) is None
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_a_bulk_message_delivered_counts_in_its_jobs_chart_and_a_test_sms_in_none(make_profile):
    profile = make_profile()
    job = BulkJob.objects.create(name="Job", profile=profile, status=BulkJob.Status.RUNNING)
    bulk = _sent(profile, "401", "402", job=job)
    _sent(profile, "403")
    record_receipt(profile, _delivered("401"))
    assert not JobSecond.objects.exists()  # one part of two: not delivered yet

    record_receipt(profile, _delivered("402"))
    record_receipt(profile, _delivered("403"))
    record_receipt(profile, _delivered("402"))  # a duplicate receipt counts nothing more

    bulk.refresh_from_db()
    assert bulk.status == Message.Status.DELIVERED
    assert [(s.job_id, s.delivered, s.parts_sent) for s in JobSecond.objects.all()] == [
        (job.pk, 1, 0)
    ]
