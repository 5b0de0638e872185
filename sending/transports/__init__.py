"""The transport registry: one entry per protocol. SmsProfile.protocol takes its choices from here,
and the senders dispatch on the same keys. A new gateway kind is a module plus one line below."""

from __future__ import annotations

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

SMPP = "smpp"
WEB_URL = "web_url"

TRANSPORTS = {
    SMPP: (_("SMPP"), "sending.transports.smpp.SmppTransport"),
    WEB_URL: (_("Web URL"), "sending.transports.web_url.WebUrlTransport"),
}

PROTOCOL_CHOICES = [(key, label) for key, (label, _path) in TRANSPORTS.items()]


def transport_class(protocol: str):
    """The transport class for a profile's protocol."""
    return import_string(TRANSPORTS[protocol][1])
