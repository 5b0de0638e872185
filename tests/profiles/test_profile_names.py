"""Profile names: one name however it is typed (NFC, NFD, upper case, ß/ss), and no invisible or
direction-changing characters that make two different names look alike."""

from __future__ import annotations

import unicodedata

import pytest

from profiles.forms import CreateStepForm

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed",
    [unicodedata.normalize("NFD", "Café"), "CAFÉ", "café", unicodedata.normalize("NFD", "CAFÉ")],
)
def test_it_treats_normalised_and_case_folded_names_as_one(make_profile, typed):
    make_profile(name="Café")
    form = CreateStepForm({"name": typed})
    assert not form.is_valid()
    assert "already exists" in form.errors["name"][0]


def test_it_stores_names_in_nfc(make_profile):
    form = CreateStepForm({"name": unicodedata.normalize("NFD", "Crème brûlée")})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == unicodedata.normalize("NFC", "Crème brûlée")


def test_it_folds_sharp_s(make_profile):
    make_profile(name="Straße")
    assert not CreateStepForm({"name": "STRASSE"}).is_valid()


@pytest.mark.parametrize(
    "name",
    ["Pay\u200bments", "Pay\u202epal", "Bad\x07bell", "Tab\tname", "Zero\ufeffwidth", "Iso\u2066x"],
)
def test_it_refuses_invisible_and_bidi_control_characters(name):
    form = CreateStepForm({"name": name})
    assert not form.is_valid()
    assert "invisible or control characters" in form.errors["name"][0]


def test_it_accepts_ordinary_names_in_any_script():
    for name in ("Marketing – EU", "Рассылка", "العربية", "日本語 SMS", "O'Brien & Co."):
        assert CreateStepForm({"name": name}).is_valid(), name
