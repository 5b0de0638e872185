"""The sender of one message: a literal, or one data object resolved per recipient."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..validators import sender_kind
from .placeholders import RenderError, parse

_NUMBER_PUNCTUATION = re.compile(r"[\s\-().]")


class SenderError(RenderError):
    code = "sender"


@dataclass(frozen=True)
class ResolvedSender:
    value: str
    kind: str | None  # "international", "short_code", "alphanumeric"; None when empty
    from_data_object: str = ""  # the key it came from


def resolve_sender(profile, data: dict) -> ResolvedSender:
    """The sender for this recipient, validated the way a gateway would judge it.

    A data object's value may be written as people write numbers ("+49 151 1234-5678"); spaces,
    dashes, dots and brackets are removed when what remains is a number.
    """
    template = (profile.sender or "").strip()
    if not template:
        return ResolvedSender("", None)
    kind = sender_kind(template)
    if kind != "data_object":
        if kind is None:
            raise SenderError(_("The sender “%(value)s” is not valid.") % {"value": template})
        return ResolvedSender(template, kind)
    key = parse(template).placeholders[0].key
    value = data.get(key)
    value = "" if value is None else str(value).strip()
    if not value:
        raise SenderError(_("No sender: the data object %(key)s has no value.") % {"key": key})
    compact = _NUMBER_PUNCTUATION.sub("", value)
    if compact.lstrip("+").isdigit():
        value = compact
    resolved_kind = sender_kind(value)
    if resolved_kind in (None, "data_object"):
        raise SenderError(
            _("The sender “%(value)s” from %(key)s is not a valid number or name.")
            % {"value": value, "key": key}
        )
    return ResolvedSender(value, resolved_kind, key)
