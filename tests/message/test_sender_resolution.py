"""The sender of one message: a literal, or one data object resolved and validated."""

from __future__ import annotations

import pytest

from profiles.message.sender import SenderError, resolve_sender


class _Profile:
    def __init__(self, sender):
        self.sender = sender


@pytest.mark.parametrize(
    ("sender", "kind"),
    [("+4915112345678", "international"), ("12345", "short_code"), ("ACME Shop", "alphanumeric")],
)
def test_it_keeps_a_literal_sender(sender, kind):
    resolved = resolve_sender(_Profile(sender), {})
    assert (resolved.value, resolved.kind, resolved.from_data_object) == (sender, kind, "")


def test_it_resolves_a_data_object_per_recipient():
    profile = _Profile("{{ document.sender_number }}")
    resolved = resolve_sender(profile, {"document.sender_number": "+49 151 1234-5678"})
    assert resolved.value == "+4915112345678"
    assert resolved.kind == "international"
    assert resolved.from_data_object == "document.sender_number"
    assert resolve_sender(profile, {"document.sender_number": "ACME"}).kind == "alphanumeric"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({}, "has no value"),
        ({"document.sender_number": "  "}, "has no value"),
        ({"document.sender_number": "far too long a sender name"}, "not a valid"),
        ({"document.sender_number": "{{ customer.first_name }}"}, "not a valid"),
        ({"document.sender_number": "+12"}, "not a valid"),
    ],
)
def test_it_fails_a_missing_or_invalid_resolved_sender(data, reason):
    with pytest.raises(SenderError, match=reason):
        resolve_sender(_Profile("{{ document.sender_number }}"), data)


def test_it_allows_an_empty_sender():
    assert resolve_sender(_Profile(""), {}).value == ""
