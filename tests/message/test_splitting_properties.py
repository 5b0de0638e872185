"""Property tests: splitting never loses, reorders or overfills.

The limits are stated here, not read from the code under test (3GPP TS 23.040): one short
message carries 140 octets, 160 GSM 7-bit septets or 70 UCS-2 units; a part of a concatenated
message loses 6 octets to the UDH and carries 153 septets or 67 units.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profiles.message.segments import decode, encode, segment, units_of

LIMITS = {"gsm7": (160, 153), "ucs2": (70, 67)}  # (one message, one part of several)

# Mostly GSM with extension characters, plus Arabic, emoji and lookalikes, so boundaries get hit.
_ALPHABET = st.sampled_from(list("ab €{}[]^|~\\\nçé") + ["ب", "😀", "’", "\u00a0", "世"])
texts = st.lists(_ALPHABET, max_size=700).map("".join)
gsm_texts = st.lists(st.sampled_from(list("abc €{}[]^|~\\\n§¿")), max_size=700).map("".join)


@settings(max_examples=300, deadline=None)
@given(texts, st.booleans(), st.booleans())
def test_it_joins_parts_back_into_the_text(text, force_ucs2, udh):
    assert "".join(segment(text, force_ucs2=force_ucs2, udh=udh).parts) == text


@settings(max_examples=300, deadline=None)
@given(texts, st.booleans(), st.booleans())
def test_it_never_overfills_a_part(text, force_ucs2, udh):
    result = segment(text, force_ucs2=force_ucs2, udh=udh)
    single, per_part = LIMITS[result.encoding]
    limit = single if len(result.parts) == 1 or not udh else per_part
    for part in result.parts:
        assert part
        assert units_of(part, result.encoding) <= limit
        octets = len(encode(part, result.encoding))
        assert octets <= (limit if result.encoding == "gsm7" else 2 * limit)


@settings(max_examples=200, deadline=None)
@given(texts)
def test_it_uses_as_few_parts_as_a_greedy_cut_allows(text):
    result = segment(text)
    single, per_part = LIMITS[result.encoding]
    if result.units <= single:
        assert len(result.parts) <= 1
    else:
        # Each cut only happens when the next character did not fit.
        for part, following in zip(result.parts, result.parts[1:], strict=False):
            assert units_of(part + following[0], result.encoding) > per_part


@settings(max_examples=200, deadline=None)
@given(gsm_texts)
def test_it_round_trips_every_gsm_part_through_the_codec(text):
    result = segment(text)
    assert result.encoding == "gsm7"
    assert "".join(decode(encode(p, "gsm7"), "gsm7") for p in result.parts) == text


@pytest.mark.parametrize(
    ("text", "encoding", "parts"),
    [
        ("a" * 160, "gsm7", 1),
        ("a" * 161, "gsm7", 2),
        ("a" * 306, "gsm7", 2),
        ("a" * 307, "gsm7", 3),
        ("a" * 158 + "€", "gsm7", 1),  # € costs two septets: 160
        ("a" * 159 + "€", "gsm7", 2),
        ("ب" * 70, "ucs2", 1),
        ("ب" * 71, "ucs2", 2),
        ("ب" * 134, "ucs2", 2),
        ("ب" * 135, "ucs2", 3),
        ("ب" * 68 + "😀", "ucs2", 1),  # a surrogate pair costs two units: 70
        ("ب" * 69 + "😀", "ucs2", 2),
    ],
)
def test_it_cuts_exactly_at_the_3gpp_limits(text, encoding, parts):
    result = segment(text)
    assert (result.encoding, len(result.parts)) == (encoding, parts)
