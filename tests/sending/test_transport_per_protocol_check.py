"""`manage.py check` fails with sending.E001 and a hint when a protocol has no transport."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from profiles.choices import Protocol
from sending import transports


def test_it_passes_with_a_transport_for_every_protocol(capsys):
    call_command("check")
    assert "no issues" in capsys.readouterr().out


def test_it_fails_when_a_protocol_has_no_transport(monkeypatch):
    monkeypatch.delitem(transports.TRANSPORTS, Protocol.WEB_URL)
    with pytest.raises(SystemCheckError) as failure:
        call_command("check")
    text = str(failure.value)
    assert "sending.E001" in text and "Protocol 'web_url' has no transport" in text
    assert "HINT: Add the transport's class path to TRANSPORTS" in text
    assert "'smpp'" not in text


def test_it_fails_when_a_transport_does_not_import(monkeypatch):
    monkeypatch.setitem(transports.TRANSPORTS, Protocol.SMPP, "sending.transports.nope.Transport")
    with pytest.raises(SystemCheckError, match=r"sending\.E001.*Protocol 'smpp' has no transport"):
        call_command("check")
