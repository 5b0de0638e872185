"""A recipient file's mobile number -> E.164, as phonenumbers judges it: parse, is_valid_number,
format_number; with a fast path for a number already written in E.164 ("+4915112345678"), the
shape most files hold.

phonenumbers.parse spends most of its time on what such a number does not need (finding a number
in free text, extensions, IDD prefixes, RFC 3966). The fast path splits off the country code as
parse does (the shortest known prefix of 1 to 3 digits) and hands every number that parse would
change to the slow path: a national prefix after the country code ("+49 0151…"), a national
number with a leading zero, a country code it does not know. Validity on the fast path is
is_valid_number's own rule applied to phonenumbers' metadata (the region by leading digits, the
number types' patterns and lengths), with each region's patterns compiled once: about 6 µs a
number against 30-60 µs for parse + is_valid_number. tests/sending/jobs/test_numbers.py proves
the two paths agree, against the installed phonenumbers (so an upgrade that changes its rules
fails there first).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

# "+", then 3 to 17 ASCII digits not starting with 0 (parse refuses fewer than 3 after a "+";
# E.164 allows 15): anything else goes the slow way.
_E164 = re.compile(r"\+([1-9][0-9]{2,16})", re.ASCII)
_UNSURE = object()


def e164(raw: str, country: str) -> str | None:
    """The number in E.164 when it is valid (read as a number of `country` when it is not
    written internationally), else None."""
    fast = _fast(raw)
    return slow(raw, country) if fast is _UNSURE else fast


def slow(raw: str, country: str) -> str | None:
    """phonenumbers alone, the reference the fast path is proven against."""
    try:
        parsed = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _fast(raw: str):
    """E.164 or None for a number in E.164 whose parse would change nothing; _UNSURE otherwise."""
    match = _E164.fullmatch(raw)
    if match is None:
        return _UNSURE
    digits = match[1]
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return _UNSURE
    national = digits[size:]
    if len(national) < 2 or national[0] == "0":
        return _UNSURE  # too short, or an Italian leading zero: parse's own rules
    prefix = _national_prefix(code)
    if prefix is not None and prefix.match(national):
        return _UNSURE  # parse may strip it (a national prefix written after the country code)
    return raw if _valid(code, national) else None


@cache
def _national_prefix(code: int) -> re.Pattern | None:
    """The pattern parse strips national prefixes with for numbers of this country code."""
    region = phonenumbers.region_code_for_country_code(code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    if metadata is None:
        return re.compile("")  # matches every number: the slow path decides
    pattern = metadata.national_prefix_for_parsing
    return re.compile(pattern) if pattern else None


def _valid(code: int, national: str) -> bool:
    """phonenumbers.is_valid_number for a national number without a leading zero. Its region is
    the code's only one, or the first of its regions whose leading digits match the number or,
    without leading digits, that has the number as one of its types; the number is valid when it
    is one of that region's types."""
    regions = _regions(code)
    if len(regions) == 1:
        return regions[0].valid(national)
    for region in regions:
        if not region.listed:
            continue
        if region.leading_digits is not None:
            if region.leading_digits.match(national):
                return region.valid(national)
        elif region.typed(national):
            return region.valid(national)
    return False


@dataclass(frozen=True)
class _Region:
    listed: bool  # has metadata, so is_valid_number may pick it
    leading_digits: re.Pattern | None
    typed: Callable[[str], bool]  # one of the region's number types
    valid: Callable[[str], bool]  # valid as a number of this region (of this country code)


@cache
def _regions(code: int) -> list[_Region]:
    regions = []
    for region in COUNTRY_CODE_TO_REGION_CODE[code]:
        listed = PhoneMetadata.metadata_for_region(region.upper(), None)
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region.upper())
        known = metadata is not None and (
            region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY
            or (listed is not None and listed.country_code == code)
        )
        leading = listed.leading_digits if listed is not None else None
        regions.append(
            _Region(
                listed=listed is not None,
                leading_digits=re.compile(leading) if leading is not None else None,
                typed=_typed(listed) if listed is not None else _never,
                valid=_typed(metadata) if known else _never,
            )
        )
    return regions


def _never(national: str) -> bool:
    return False


def _typed(metadata) -> Callable[[str], bool]:
    """Whether a national number is of one of the region's types (phonenumbers'
    _number_type_helper is not UNKNOWN): it matches the general description and at least one
    type's; mobile counts only when its pattern is not the fixed-line one. The types' patterns
    are joined into one per number length (metadata patterns hold no backreferences or flags, so
    the alternation fully matches exactly when one of them does)."""
    kinds = [metadata.premium_rate, metadata.toll_free, metadata.shared_cost, metadata.voip,
             metadata.personal_number, metadata.pager, metadata.uan, metadata.voicemail,
             metadata.fixed_line]  # fmt: skip
    if not metadata.same_mobile_and_fixed_line_pattern:
        kinds.append(metadata.mobile)
    general = _desc(metadata.general_desc)
    descs = [desc for desc in map(_desc, kinds) if desc is not None]

    def joined(length: int | None) -> re.Pattern | None:
        patterns = [pattern.pattern for limits, pattern in descs if not limits or length in limits]
        return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None

    by_length = {length: joined(length) for lengths, _p in descs for length in lengths}
    unlimited = joined(None)  # for lengths no type lists: the types without a length limit

    def typed(national: str) -> bool:
        if general is None or not _matches(general, national):
            return False
        pattern = by_length.get(len(national), unlimited)
        return pattern is not None and pattern.fullmatch(national) is not None

    return typed


def _desc(desc) -> tuple[frozenset[int], re.Pattern] | None:
    """(possible lengths, empty for any; pattern) of a number description; None if it matches
    nothing (no description, or no pattern)."""
    if desc is None or not desc.national_number_pattern:
        return None
    return frozenset(desc.possible_length), re.compile(desc.national_number_pattern)


def _matches(desc: tuple[frozenset[int], re.Pattern], national: str) -> bool:
    lengths, pattern = desc
    if lengths and len(national) not in lengths:
        return False
    return pattern.fullmatch(national) is not None
