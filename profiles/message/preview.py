"""Length judged on rendered text: sample values for the preview, and the longest plausible
rendering for the warning on save."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext, ngettext

from . import parts, placeholders, segments

# How long a value of each format plausibly gets, when its sample is shorter. A warning only:
# a real value longer than this still fails (or goes as message_payload) at send time.
PLAUSIBLE_LENGTH = {"text": 30, "number": 12, "money": 16, "date": 18}


def sample_data(data_objects) -> dict[str, str]:
    return {obj.key: obj.sample_value for obj in data_objects}


def plausible_value(obj) -> str:
    """The sample value stretched to the plausible length of its format, keeping its script."""
    sample = obj.sample_value or ""
    wanted = PLAUSIBLE_LENGTH.get(obj.format, PLAUSIBLE_LENGTH["text"])
    if len(sample) >= wanted:
        return sample
    filler = sample[-1] if sample and not sample[-1].isspace() else "x"
    return sample + filler * (wanted - len(sample))


def plausible_data(data_objects) -> dict[str, str]:
    return {obj.key: plausible_value(obj) for obj in data_objects}


@dataclass(frozen=True)
class Estimate:
    sample_plan: parts.PartPlan  # rendered with the sample values
    longest_plan: parts.PartPlan  # rendered with the longest plausible values

    @property
    def sample(self) -> segments.Segmentation:
        return self.sample_plan.split

    @property
    def longest(self) -> segments.Segmentation:
        return self.longest_plan.split

    @property
    def limit(self) -> int:
        return self.longest_plan.limit

    @property
    def too_long(self) -> bool:
        return self.longest_plan.too_long


def estimate(text: str, data_objects, profile) -> Estimate:
    """Segment the text rendered with sample values and with the longest plausible values.
    A placeholder's own fallback is used when it is longer than the plausible value."""
    data_objects = list(data_objects)
    sample = _render(text, sample_data(data_objects), longest=False)
    longest = _render(text, plausible_data(data_objects), longest=True)
    return Estimate(parts.plan(sample, profile), parts.plan(longest, profile))


def _render(text: str, data: dict[str, str], *, longest: bool) -> str:
    parsed = placeholders.parse(text)
    if parsed.errors:
        return text
    out = []
    for node in parsed.nodes:
        if isinstance(node, str):
            out.append(node)
            continue
        value = data.get(node.key) or ""
        value = value if value.strip() else ""  # blank counts as missing, as when sending
        fallback = node.fallback or ""
        out.append(max(value, fallback, key=len) if longest else value or fallback)
    return "".join(out)


def encoding_label(encoding: str) -> str:
    return gettext("GSM 7-bit") if encoding == segments.GSM7 else gettext("UCS-2")


def describe(split: segments.Segmentation) -> str:
    """ "134 characters · GSM 7-bit · 1 part", as the live counter shows it."""
    characters = ngettext("%(count)s character", "%(count)s characters", split.characters) % {
        "count": split.characters
    }
    parts = ngettext("%(count)s part", "%(count)s parts", split.part_count) % {
        "count": split.part_count
    }
    return " · ".join([characters, encoding_label(split.encoding), parts])
