"""Property tests: text without placeholder marks is left alone; values go in verbatim."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from profiles.choices import MissingDataPolicy
from profiles.message.placeholders import render, validate

_MARKS = ("{{", "}}", "{%", "{#")
_CHARS = st.sampled_from(list("ab {}%#|:\"'\\.\n")) | st.characters(codec="utf-8")
plain = st.text(alphabet=_CHARS, max_size=300).filter(
    lambda text: not any(mark in text for mark in _MARKS)
)
anything = st.text(alphabet=_CHARS, max_size=300)


@settings(max_examples=300, deadline=None)
@given(plain)
def test_it_leaves_text_without_placeholders_unchanged(text):
    assert validate(text, set()) == []
    assert render(text, {}) == text


@settings(max_examples=300, deadline=None)
@given(plain, anything, plain)
def test_it_inserts_any_value_verbatim(before, value, after):
    template = before + "{{ customer.first_name }}" + after
    if value.strip():
        assert render(template, {"customer.first_name": value}) == before + value + after
    else:
        rendered = render(template, {"customer.first_name": value}, MissingDataPolicy.FALLBACK)
        assert rendered == before + after


@settings(max_examples=300, deadline=None)
@given(anything)
def test_it_never_crashes_on_arbitrary_text(text):
    errors = validate(text, {"customer.first_name"})
    for error in errors:
        assert 0 <= error.position <= len(text)
        assert error.line >= 1 and error.column >= 1
