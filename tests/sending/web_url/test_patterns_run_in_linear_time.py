"""Outcome patterns are user-written and run over gateway-supplied text: they run on a
linear-time engine (RE2), so a catastrophic pattern cannot hang a worker, and a pattern the
engine cannot run is refused when saved."""

from __future__ import annotations

import threading

import pytest

from profiles.forms import AdvancedStepForm
from sending.transports.base import OutgoingMessage, TransportError
from sending.transports.web_url.transport import WebUrlTransport
from tests.peers.http_gateway import Reply
from tests.profiles.wizard_helpers import advanced_defaults

pytestmark = pytest.mark.django_db


def test_a_catastrophic_pattern_over_a_hostile_body_answers_at_once(make_profile, gateway):
    profile = make_profile(
        protocol="web_url", url=gateway.url + "/send?to={to}", success_regex=r"^200 (a+)+$"
    )
    gateway.script(Reply(200, "a" * 64 + "!"))  # backtracking would take 2**64 steps
    outcome: list = []

    def send():
        with WebUrlTransport(profile) as transport:
            try:
                outcome.append(transport.send(OutgoingMessage("+33612345678", "ACME", "Hi")))
            except TransportError as exc:
                outcome.append(exc)

    worker = threading.Thread(target=send, daemon=True)
    worker.start()
    worker.join(timeout=30)  # a bound on a hang, not a speed measurement
    assert not worker.is_alive(), "the pattern hung the sender"
    assert isinstance(outcome[0], TransportError) and outcome[0].permanent


@pytest.mark.parametrize("pattern", [r"(a)\1", r"OK(?=\s)", r"(?<!x)id=(\w+)"])
def test_it_refuses_patterns_the_linear_engine_cannot_run(make_profile, pattern):
    profile = make_profile(protocol="web_url", url="http://gw.example.com/?to={to}")
    data = advanced_defaults(AdvancedStepForm(instance=profile)) | {"success_regex": pattern}
    form = AdvancedStepForm(data, instance=profile)
    assert not form.is_valid()
    assert "look-around and back-references are not supported" in form.errors["success_regex"][0]


def test_it_still_accepts_ordinary_patterns(make_profile):
    profile = make_profile(protocol="web_url", url="http://gw.example.com/?to={to}")
    patterns = {"success_regex": r"^2\d\d (?i:ok)", "message_id_regex": r"id=([0-9a-f]+)"}
    data = advanced_defaults(AdvancedStepForm(instance=profile)) | patterns
    form = AdvancedStepForm(data, instance=profile)
    assert form.is_valid(), form.errors
