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


_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]|%0[ad]", re.IGNORECASE)
_LINE_BREAK = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
SECRET_PLACEHOLDERS = ("password",)
# Cloud metadata services answer on these even though they are not link-local.
_METADATA_HOSTS = {"metadata.google.internal", "metadata.goog", "100.100.100.200", "fd00:ec2::254"}


def validate_gateway_url(value: str) -> None:
    """An http(s) URL whose scheme, host and port are fixed: placeholders may stand in the path
    and the query, a secret ({password}) in the query only, so no value sent with a message can
    become the host it is sent to. No user-info, no spaces or line breaks anywhere."""
    if _CONTROL_OR_SPACE.search(value):
        raise ValidationError(
            _("A URL cannot contain spaces, line breaks or control characters."),
            code="invalid_url_characters",
        )
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not value.lower().startswith(parts.scheme + "://"):
        raise ValidationError(_("Enter an http:// or https:// URL."), code="invalid_url_scheme")
    if "@" in parts.netloc:
        raise ValidationError(
            _(
                "Put the user name and password in parameters ({username}, {password}), not "
                "before the host."
            ),
            code="url_user_info",
        )
    if "{" in parts.netloc or "}" in parts.netloc:
        raise ValidationError(
            _("The host and port cannot contain placeholders; they are fixed for every message."),
            code="url_host_placeholder",
        )
    if not parts.hostname:
        raise ValidationError(_("The URL needs a host name or an IP address."), code="url_host")
    validate_host(parts.hostname)
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0 and parts.netloc.rsplit("]", 1)[-1].count(":"):
        raise ValidationError(_("The port must be a number from 1 to 65535."), code="url_port")
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
    before_query = urlsplit(value)._replace(query="", fragment="").geturl()
    if set(_URL_PLACEHOLDER.findall(before_query)) & set(SECRET_PLACEHOLDERS):
        raise ValidationError(
            _(
                "{password} can stand only in the query (after “?”), in the extra parameters "
                "or in a header, where it is sent but never part of the address."
            ),
            code="url_secret_placement",
        )


def validate_header_value(value: str) -> None:
    if _LINE_BREAK.search(value):
        raise ValidationError(
            _("A header value cannot contain line breaks or control characters."),
            code="invalid_header_value",
        )


def is_link_local(host: str) -> bool:
    """A link-local or cloud metadata address (169.254.169.254 and friends)."""
    candidate = host.strip("[]").lower().rstrip(".")
    if candidate in _METADATA_HOSTS:
        return True
    try:
        return ipaddress.ip_address(candidate).is_link_local
    except ValueError:
        return False


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
