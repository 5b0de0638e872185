"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

# .ci/run sets this: there every peer (Chromium, Kannel, Net::SMPP, smpp34) is installed, and a
# test that cannot find one must fail rather than skip silently.
REQUIRE_PEERS = os.environ.get("SMSPORTAL_REQUIRE_PEERS") == "1"


def need(available: bool, reason: str) -> None:
    """Skip (on a laptop) or fail (in CI) when a peer this test talks to is missing."""
    if available:
        return
    if REQUIRE_PEERS:
        pytest.fail(f"required peer missing: {reason}", pytrace=False)
    pytest.skip(reason)


def need_executable(path_or_name: str, install_hint: str) -> str:
    found = shutil.which(path_or_name)
    need(found is not None, f"{path_or_name} not found ({install_hint})")
    return found


CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ (git-ignored) to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_until(predicate, timeout: float = 60, step: float = 0.1, tick=None):
    """Poll `predicate` (calling `tick` first, each time) until it is truthy or `timeout`
    passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if tick is not None:
            tick()
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


class ListSink:
    """A ReceiptSink for the transport tests without a database: `written` is what a flush
    took (what the bind may then answer), `pending` what it was handed since."""

    def __init__(self):
        self.pending: list = []
        self.written: list = []

    def add(self, receipt) -> None:
        self.pending.append(receipt)

    def flush(self) -> None:
        self.written += self.pending
        self.pending = []
