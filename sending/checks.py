"""System checks of the sending app."""

from __future__ import annotations

from django.core.checks import Error, register
from django.utils.module_loading import import_string

from profiles.choices import Protocol

from .transports import TRANSPORTS


@register()
def transport_per_protocol_check(app_configs, **kwargs):
    """Every protocol a profile can choose has a transport that imports."""
    errors = []
    for protocol in Protocol:
        path = TRANSPORTS.get(protocol)
        try:
            if path is None:
                raise ImportError("no entry")
            import_string(path)
        except ImportError as exc:
            errors.append(
                Error(
                    f"Protocol {protocol.value!r} has no transport ({exc}).",
                    hint="Add the transport's class path to TRANSPORTS in "
                    "sending/transports/__init__.py.",
                    obj=protocol.value,
                    id="sending.E001",
                )
            )
    return errors
