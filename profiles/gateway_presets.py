"""Presets that fill a profile's server step for well-known gateways (Kannel, Jasmin).

The transports own them (sending.transports.web_url.presets) and register them here when the
sending app is ready, so the profile forms offer them without importing the sending app.
"""

from __future__ import annotations

PRESETS: dict[str, dict] = {}


def register(presets: dict[str, dict]) -> None:
    PRESETS.update(presets)
