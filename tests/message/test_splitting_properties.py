"""Property tests: splitting never loses, reorders or overfills."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from profiles.message.segments import LIMITS, decode, encode, segment, units_of

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
