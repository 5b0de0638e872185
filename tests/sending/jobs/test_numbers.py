"""The import's E.164 fast path judges every number exactly as phonenumbers does.

numbers.slow (phonenumbers' parse, is_valid_number and format_number) is the reference; for any
text near the E.164 shape the fast path either answers the same or leaves the number to it.
"""

from __future__ import annotations

import phonenumbers
from hypothesis import event, given, settings
from hypothesis import strategies as st
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneNumberFormat, PhoneNumberType

from sending.jobs import numbers

CODES = sorted(COUNTRY_CODE_TO_REGION_CODE)
REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


def _examples() -> list[str]:
    """phonenumbers' example number of every region and type, in E.164."""
    found = []
    for region in REGIONS:
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.VOIP,
                     PhoneNumberType.TOLL_FREE, PhoneNumberType.PREMIUM_RATE):  # fmt: skip
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                found.append(phonenumbers.format_number(example, PhoneNumberFormat.E164))
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            found.append(phonenumbers.format_number(example, PhoneNumberFormat.E164))
    return found


EXAMPLES = _examples()
_digits = st.text("0123456789", max_size=16)


def _mutated(example: str, data) -> str:
    """An example number, or one a digit longer, shorter or different, or with a national prefix
    (0, 1, 8, 01…) put after its country code."""
    how = data.draw(st.sampled_from(["same", "longer", "shorter", "changed", "prefixed"]))
    if how == "same":
        return example
    if how == "longer":
        return example + data.draw(st.sampled_from("0123456789"))
    if how == "shorter":
        return example[:-1]
    if how == "changed":
        at = data.draw(st.integers(1, len(example) - 1))
        return example[:at] + data.draw(st.sampled_from("0123456789")) + example[at + 1 :]
    code = str(phonenumbers.parse(example).country_code)
    prefix = data.draw(st.sampled_from(["0", "1", "8", "01", "00", "06", "9"]))
    return "+" + code + prefix + example[1 + len(code) :]


near_e164 = st.one_of(
    st.builds(lambda code, rest: f"+{code}{rest}", st.sampled_from(CODES), _digits),
    st.builds(lambda rest: "+" + rest, st.text("0123456789", min_size=1, max_size=20)),
    st.builds(lambda rest: "++" + rest, st.text("0123456789", min_size=3, max_size=15)),
    st.builds(lambda rest: "+" + rest, st.text("0123456789 +-x#", max_size=18)),
)


@settings(max_examples=3000, deadline=None)
@given(st.data(), st.sampled_from(["DE", "FR", "US", "GB", "IT", "CH", "ZZ"]))
def test_the_fast_path_agrees_with_phonenumbers_on_numbers_near_e164(data, country):
    raw = data.draw(st.one_of(near_e164, st.sampled_from(EXAMPLES).flatmap(
        lambda example: st.builds(_mutated, st.just(example), st.data()))))  # fmt: skip
    fast = numbers._fast(raw)
    event("fast path" if fast is not numbers._UNSURE else "slow path")
    assert numbers.e164(raw, country) == numbers.slow(raw, country), raw


# Written after a country code, these are national prefixes (and carrier codes) that parse
# strips for some region: 0, 1 (US), 8 (RU), 90 (BR), 1831 (AU), 1001 (LI), 1500 (LU), 1900 (CR)…
PREFIXES = ("0", "1", "8", "9", "00", "01", "06", "10", "15", "90", "1001", "1500", "1831", "1900")


def test_the_fast_path_agrees_on_every_example_number_shortened_and_with_a_national_prefix():
    assert len(EXAMPLES) > 500
    taken = checked = 0
    for example in EXAMPLES:
        code = str(phonenumbers.parse(example).country_code)
        national = example[1 + len(code) :]
        variants = [example] + [f"+{code}{prefix}{national}" for prefix in PREFIXES]
        variants += [f"+{code}{national[:size]}" for size in range(1, len(national))]
        variants += [example + tail for tail in ("0", "5", "9", "00", "12", "345")]
        for raw in variants:
            fast = numbers._fast(raw)
            if fast is not numbers._UNSURE:
                checked += 1
                taken += raw == example
                assert fast == numbers.slow(raw, "DE"), raw
    assert taken > 0.8 * len(EXAMPLES)  # the common shape really takes the fast path
    assert checked > 10 * len(EXAMPLES)


def test_the_fast_path_answers_for_e164_numbers_valid_or_not():
    assert numbers._fast("+4915112345678") == "+4915112345678"
    assert numbers._fast("+491511234567890123") is numbers._UNSURE  # longer than 17 digits
    assert numbers._fast("+49151") is None  # too short for Germany: phonenumbers says invalid
    assert numbers._fast("+490151123456789") is numbers._UNSURE  # national prefix: parse strips
    assert numbers.e164("+490151123456789", "DE") == numbers.slow("+490151123456789", "DE")
    assert numbers.e164("0151 12345678", "DE") == "+4915112345678"  # not E.164: the slow path
    assert numbers.e164("12345", "DE") is None
