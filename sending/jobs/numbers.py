"""A recipient file's mobile number -> E.164, as phonenumbers judges it: parse, is_valid_number,
format_number; with a fast path for a number already written in E.164 ("+4915112345678"), the
shape most files hold.

phonenumbers.parse spends most of its time on what such a number does not need (finding a number
in free text, extensions, IDD prefixes, RFC 3966). The fast path splits off the country code as
parse does (the shortest known prefix of 1 to 3 digits) and hands every number that parse would
change to the slow path: a national prefix after the country code ("+49 0151…"), a national
number with a leading zero, a country code it does not know. Whether a number is valid is always
phonenumbers' own is_valid_number. tests/sending/jobs/test_numbers.py proves both paths agree.
"""

from __future__ import annotations

import re
from functools import cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, PhoneNumber

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
    number = PhoneNumber(country_code=code, national_number=int(national))
    return raw if phonenumbers.is_valid_number(number) else None


@cache
def _national_prefix(code: int) -> re.Pattern | None:
    """The pattern parse strips national prefixes with for numbers of this country code."""
    region = phonenumbers.region_code_for_country_code(code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    if metadata is None:
        return re.compile("")  # matches every number: the slow path decides
    pattern = metadata.national_prefix_for_parsing
    return re.compile(pattern) if pattern else None
