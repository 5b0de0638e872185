"""Validators that judge values the way a gateway would."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_SHORT_CODE = re.compile(r"^\d{3,8}$")
_ALPHANUMERIC = re.compile(r"^[A-Za-z0-9 .\-_&']{1,11}$")
_DATA_OBJECT_SENDER = re.compile(r"^\{\{\s*[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\s*\}\}$")

# What a Web URL template (URL, extra parameter values, header values) may hold; the Web URL
# transport fills each for every message (sending.transports.web_url.transport.placeholder_values).
URL_PLACEHOLDERS = (
    "to",
    "from",
    "text",
    "username",
    "password",
    "coding",  # Kannel's coding: 0 GSM 7-bit, 2 UCS-2
    "data_coding",  # SMPP data_coding: 0 GSM 7-bit, 8 UCS-2 (Jasmin's coding)
    "text_ucs2_hex",  # the text in UTF-16BE, as hex digits
    "content_param",  # Jasmin's pair: "content" for GSM 7-bit, "hex-content" for UCS-2 ...
    "content",  # ... and the text, or its UTF-16BE hex
    "receipt_url",  # our receipt callback URL for this message (Jasmin's dlr-url)
    "kannel_receipt_url",  # the same with Kannel's %d %F %A escapes (Kannel's dlr-url)
)
_URL_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def validate_host(value: str) -> None:
    """An IPv4/IPv6 address or a host name (RFC 1123)."""
    candidate = value.strip("[]")
    try:
        ipaddress.ip_address(candidate)
        return
    except ValueError:
        pass
    labels = value.rstrip(".").split(".")
    if (
        len(value) > 253
        or not all(_HOST_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()  # 999.1.1.1 is not a host name either
    ):
        raise ValidationError(
            _("Enter a valid IP address or host name, for example 10.0.0.5 or smsc.example.com."),
            code="invalid_host",
        )


def validate_gateway_url(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_("Enter an http:// or https:// URL."), code="invalid_url_scheme")
    unknown = sorted(set(_URL_PLACEHOLDER.findall(value)) - set(URL_PLACEHOLDERS))
    if unknown:
        raise ValidationError(
            _("Unknown placeholder %(names)s; use %(known)s."),
            params={
                "names": ", ".join(f"{{{name}}}" for name in unknown),
                "known": ", ".join(f"{{{name}}}" for name in URL_PLACEHOLDERS),
            },
            code="unknown_placeholder",
        )


def sender_kind(value: str) -> str | None:
    """'data_object', 'international', 'short_code', 'alphanumeric', or None when invalid."""
    value = value.strip()
    if _DATA_OBJECT_SENDER.match(value):
        return "data_object"
    if is_international_number(value):
        return "international"
    if _SHORT_CODE.match(value):
        return "short_code"
    if _ALPHANUMERIC.match(value) and not value.isdigit():
        return "alphanumeric"
    return None


def is_international_number(value: str) -> bool:
    """An E.164 number, with or without the leading +, that phonenumbers finds possible."""
    digits = value[1:] if value.startswith("+") else value
    if not digits.isdigit() or not 7 <= len(digits) <= 15 or (len(digits) <= 8 and value[0] != "+"):
        return False
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse("+" + digits))
    except phonenumbers.NumberParseException:
        return False


def validate_sender(value: str) -> None:
    if value and sender_kind(value) is None:
        raise ValidationError(
            _(
                "Enter an international number (+4915112345678), a short code of 3 to 8 digits, "
                "up to 11 letters and digits, or one data object such as "
                "{{ document.sender_number }}."
            ),
            code="invalid_sender",
        )
