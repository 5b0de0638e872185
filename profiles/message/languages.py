"""Which translation of a profile's message a recipient gets.

A recipient language such as ``fr-CA`` tries ``fr-ca``, then ``fr``, then the default language
(the first of ``SMSPORTAL_MESSAGE_LANGUAGES``). An empty or blank translation is skipped, so an
empty SMS is never sent: when even the default language is empty, ``NoMessageText`` is raised.
A profile that is not multilingual always uses the default language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname


class NoMessageText(ValueError):
    """No translation in the chain has text; str() names the languages tried."""


@dataclass(frozen=True)
class PickedMessage:
    text: str
    language: str  # the translation used
    requested: str  # the recipient's language as given ("" when unknown)

    @property
    def fell_back(self) -> bool:
        return bool(self.requested) and normalise(self.requested) != self.language


def codes() -> list[str]:
    return list(settings.SMSPORTAL_MESSAGE_LANGUAGES)


def default_language() -> str:
    return codes()[0]


def normalise(code: str) -> str:
    return code.strip().replace("_", "-").lower()


def is_rtl(code: str) -> bool:
    try:
        return bool(get_language_info(normalise(code))["bidi"])
    except KeyError:
        return False


def language_name(code: str) -> str:
    names = dict(settings.LANGUAGES)
    if code in names:
        return str(names[code])
    try:
        return get_language_info(code)["name"]
    except KeyError:
        return code


def chain(requested: str, *, multilingual: bool = True) -> list[str]:
    """Configured languages to try, in order: exact, base language, default."""
    known = codes()
    tried = []
    if multilingual and requested:
        exact = normalise(requested)
        tried += [exact, exact.split("-")[0]]
    tried.append(default_language())
    return [code for code in dict.fromkeys(tried) if code in known]


def message_text(profile, code: str) -> str:
    return getattr(profile, build_localized_fieldname("message", code), "") or ""


def translations(profile) -> dict[str, str]:
    """Every configured language's text (the default only, when not multilingual)."""
    languages = codes() if profile.multilingual else [default_language()]
    return {code: message_text(profile, code) for code in languages}


def pick(profile, requested: str = "") -> PickedMessage:
    tried = chain(requested, multilingual=profile.multilingual)
    for code in tried:
        text = message_text(profile, code)
        if text.strip():
            return PickedMessage(text, code, requested or "")
    raise NoMessageText(
        _("The message has no text in %(languages)s; an empty SMS is never sent.")
        % {"languages": ", ".join(tried)}
    )
