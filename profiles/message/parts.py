"""Message -> parts: the one rule every sender, the preview and the live counter follow.

A profile's Data Coding picks the encoding (GSM 7-bit falling back to UCS-2, or always UCS-2); its
Long messages setting picks how a long text travels (UDH or SAR concatenation, one message_payload
TLV, or not at all) and Maximum parts caps the parts a recipient's handset receives, whatever the
method: a message_payload is split by the SMSC into as many UDH parts, and providers charge for
each (gateway-notes). `plan()` decides all of it once; `sending.compose` refuses a message whose
plan is too long before it is queued, and the transports send the plan they are handed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .. import choices
from . import segments

TOO_LONG = "TOO_LONG"


def options(profile) -> dict:
    """The segmentation options of a profile (shared with the live counter's configuration)."""
    method = getattr(profile, "long_message_method", choices.LongMessageMethod.UDH)
    return {
        "force_ucs2": getattr(profile, "data_coding", "") == choices.DataCoding.UCS2,
        # SAR carries the concatenation in TLVs, so each short_message holds a full 160/70.
        "udh": method != choices.LongMessageMethod.SAR,
    }


def limit(profile) -> int:
    """The most parts one message may have under the profile's settings."""
    if getattr(profile, "long_message_method", "") == choices.LongMessageMethod.REJECT:
        return 1
    return getattr(profile, "max_parts", 6) or 6


@dataclass(frozen=True)
class PartPlan:
    split: segments.Segmentation
    method: str
    limit: int

    @property
    def parts(self) -> list[str]:
        return self.split.parts

    @property
    def encoding(self) -> str:
        return self.split.encoding

    @property
    def part_count(self) -> int:
        return self.split.part_count

    @property
    def too_long(self) -> bool:
        return self.split.part_count > self.limit

    @property
    def as_payload(self) -> bool:
        """The whole text travels in one submit_sm's message_payload TLV."""
        return self.method == choices.LongMessageMethod.PAYLOAD and self.split.multipart

    def too_long_reason(self) -> str:
        if self.method == choices.LongMessageMethod.REJECT:
            return _(
                "The message needs %(parts)s parts; this profile does not send long messages."
            ) % {"parts": self.part_count}
        return _("The message needs %(parts)s parts; this profile allows at most %(limit)s.") % {
            "parts": self.part_count,
            "limit": self.limit,
        }


def plan(text: str, profile) -> PartPlan:
    """How `text` is sent under the profile's settings (not refused here: see `too_long`)."""
    return PartPlan(
        segments.segment(text, **options(profile)),
        getattr(profile, "long_message_method", choices.LongMessageMethod.UDH),
        limit(profile),
    )
