"""The Web URL receipt callback, called in Kannel's and Jasmin's exact formats."""

from __future__ import annotations

import pytest

from sending.models import Message, MessagePart, UnmatchedReceipt
from sending.transports import WEB_URL
from sending.web_receipts import callback_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile(make_profile):
    return make_profile(protocol=WEB_URL, url="http://127.0.0.1:9/send?to={to}&text={text}")


@pytest.fixture
def message(profile):
    return Message.objects.create(
        profile=profile, to="+4915112345678", text="Hi", status=Message.Status.SENT, parts_count=1
    )


def _path(profile, message, token=None) -> str:
    url = callback_url(profile, str(message.pk), token)
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def _kannel(client, profile, message, mask: int, **extra):
    answer = extra.pop("answer", "id:55 sub:001 dlvrd:001 stat:DELIVRD err:000 text:Hi")
    params = {"type": str(mask), "smsc": "55", "answer": answer, **extra}
    return client.get(_path(profile, message), params)


@pytest.mark.parametrize(
    "mask,status,receipt",
    [
        (1, Message.Status.DELIVERED, "DELIVRD"),
        (9, Message.Status.DELIVERED, "DELIVRD"),  # delivered, with the SMSC-accepted bit
        (2, Message.Status.UNDELIVERED, "UNDELIV"),
        (34, Message.Status.EXPIRED, "EXPIRED"),  # Kannel 1.4.5's expired: 32 + 2
        (16, Message.Status.REJECTED, "REJECTD"),
        (8, Message.Status.SENT, "ACCEPTD"),  # accepted by the SMSC: not settled yet
        (4, Message.Status.SENT, "BUFFRED"),
    ],
)
def test_it_decodes_kannels_report_type_as_a_bit_mask(
    client, profile, message, mask, status, receipt
):
    response = _kannel(client, profile, message, mask)
    assert response.status_code == 200 and response.content == b"OK"
    message.refresh_from_db()
    part = message.parts.get()
    assert (message.status, part.receipt_status) == (status, receipt)
    assert part.provider_id == "55"  # Kannel's %F: the SMSC's id for it


def test_it_refuses_a_wrong_or_missing_token_and_changes_nothing(client, profile, message, caplog):
    path = _path(profile, message)
    wrong = path.replace(profile.receipt_token, "x" + profile.receipt_token[1:])
    assert client.get(wrong, {"type": "1"}).status_code == 403
    assert (
        client.get(path.replace(profile.receipt_token + "/", "-/"), {"type": "1"}).status_code
        == 403
    )
    other = type(profile).objects.create(name="Other", protocol=WEB_URL)
    assert (
        client.get(path.replace(f"/{profile.pk}/", f"/{other.pk}/"), {"type": "1"}).status_code
        == 403
    )
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and not MessagePart.objects.exists()
    assert profile.receipt_token not in caplog.text  # the refused URLs are not logged


def test_it_stops_accepting_the_old_token_once_regenerated(client, profile, message):
    old = _path(profile, message)
    profile.regenerate_receipt_token()
    assert client.get(old, {"type": "1"}).status_code == 403
    assert client.get(_path(profile, message), {"type": "1"}).status_code == 200


def test_a_repeated_callback_changes_nothing_the_second_time(client, profile, message):
    assert _kannel(client, profile, message, 1).status_code == 200
    first = MessagePart.objects.get()
    assert _kannel(client, profile, message, 1).status_code == 200
    assert _kannel(client, profile, message, 8).status_code == 200  # a late "accepted"
    again = MessagePart.objects.get()
    assert (again.receipt_at, again.receipt_status) == (first.receipt_at, "DELIVRD")
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED


def test_it_takes_jasmins_callback_and_acknowledges_it_as_jasmin_expects(client, profile, message):
    path = _path(profile, message)
    response = client.post(path, {"id": "7b1f-4c", "message_status": "EXPIRED", "level": "2"})
    assert response.status_code == 200 and response.content == b"ACK/Jasmin"
    message.refresh_from_db()
    assert message.status == Message.Status.EXPIRED


def test_it_answers_400_to_a_callback_without_a_state(client, profile, message, caplog):
    response = client.get(_path(profile, message), {"type": "abc"})
    assert profile.receipt_token not in caplog.text
    assert response.status_code == 400 and b"number" in response.content
    assert client.get(_path(profile, message)).status_code == 400


def test_it_keeps_a_callback_for_an_unknown_message(client, profile, message):
    path = _path(profile, message).removesuffix(f"/{message.pk}/") + "/999999/"
    assert client.get(path, {"type": "1", "smsc": "abc"}).status_code == 200
    assert UnmatchedReceipt.objects.get().status == "DELIVRD"


def test_it_keeps_a_receipt_text_that_quotes_a_long_messages_udh(client, profile, message):
    # Kannel's %A for a long message ends with the part's UDH, 05 00 03 …: a NUL, which
    # PostgreSQL's text refuses (it was a 500 there, found through the real Kannel).
    answer = "id:55 sub:001 dlvrd:001 stat:DELIVRD err:000 text:\x05\x00\x03\x07\x03\x01Long"
    assert _kannel(client, profile, message, 1, answer=answer).status_code == 200
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    assert message.parts.get().receipt_raw.endswith("text:\x05\ufffd\x03\x07\x03\x01Long")
    path = _path(profile, message).removesuffix(f"/{message.pk}/") + "/999999/"
    assert client.get(path, {"type": "1", "smsc": "a\x00b", "answer": answer}).status_code == 200
    assert UnmatchedReceipt.objects.get().provider_id == "a\ufffdb"
