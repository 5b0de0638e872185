"""Which translation a recipient gets: fr-CA -> fr -> default; never an empty SMS."""

from __future__ import annotations

import pytest

from profiles.message import languages
from profiles.message.languages import NoMessageText, pick


@pytest.fixture
def multilingual(make_profile):
    return make_profile(
        multilingual=True,
        message_en="Hello {{ customer.first_name }}",
        message_fr="Bonjour {{ customer.first_name }}",
        message_de="",
        message_es="   ",
        message_ar="مرحبا {{ customer.first_name }}",
    )


@pytest.mark.parametrize(
    ("requested", "used"),
    [
        ("fr", "fr"),
        ("fr-CA", "fr"),
        ("FR_ca", "fr"),
        ("ar", "ar"),
        ("ar-EG", "ar"),
        ("en-GB", "en"),
        ("it", "en"),
        ("", "en"),
    ],
)
def test_it_follows_the_fallback_chain(multilingual, requested, used):
    picked = pick(multilingual, requested)
    assert picked.language == used
    assert picked.text.strip()
    assert picked.requested == requested


def test_it_skips_empty_and_blank_translations(multilingual):
    assert pick(multilingual, "de").language == "en"
    assert pick(multilingual, "es-MX").language == "en"
    assert pick(multilingual, "de").fell_back


def test_it_uses_only_the_default_language_when_not_multilingual(make_profile):
    profile = make_profile(multilingual=False, message_en="Hello", message_fr="Bonjour")
    assert pick(profile, "fr").language == "en"
    assert languages.translations(profile) == {"en": "Hello"}


def test_it_never_returns_an_empty_message(make_profile):
    profile = make_profile(multilingual=True, message_en=" ", message_fr="")
    with pytest.raises(NoMessageText, match="fr, en"):
        pick(profile, "fr-CA")


def test_it_reads_the_languages_from_settings(settings):
    assert languages.codes() == list(settings.SMSPORTAL_MESSAGE_LANGUAGES)
    assert languages.default_language() == settings.SMSPORTAL_MESSAGE_LANGUAGES[0]
    assert languages.chain("pt-BR") == ["en"]  # not configured: straight to the default


def test_it_knows_right_to_left_languages():
    assert languages.is_rtl("ar") and languages.is_rtl("ar-EG") and languages.is_rtl("he")
    assert not languages.is_rtl("fr") and not languages.is_rtl("xx")
    assert languages.language_name("ar") == "Arabic"
