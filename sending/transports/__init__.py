"""The transport registry: one transport per protocol choice (profiles.choices.Protocol). A new
gateway kind is a choice, a package here and one line below; `sending.checks` fails when a choice
has no transport."""

from __future__ import annotations

from django.utils.module_loading import import_string

from profiles.choices import SMPP, WEB_URL, Protocol  # noqa: F401  (SMPP, WEB_URL: for senders)

TRANSPORTS = {
    Protocol.SMPP: "sending.transports.smpp.transport.SmppTransport",
    Protocol.WEB_URL: "sending.transports.web_url.transport.WebUrlTransport",
}


def transport_class(protocol: str):
    """The transport class for a profile's protocol."""
    return import_string(TRANSPORTS[protocol])
