"""Turn a profile's message into the text one recipient gets, with the message engine
(profiles.message): the language picked with its fallback, placeholders rendered strictly, the
sender resolved, and the length judged on the rendered text."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from profiles import choices
from profiles.message import segments
from sending.transports.base import TransportError


class ComposeError(TransportError):
    """The message cannot be built for this recipient; permanent (retrying will not help)."""

    def __init__(self, reason: str, code: str = "COMPOSE"):
        super().__init__(reason, permanent=True, code=code)


@dataclass
class Composed:
    text: str
    sender: str
    language: str
    encoding: str
    parts: int


def compose(profile, *, language: str = "", data: dict, text: str | None = None) -> Composed:
    if text is None:
        template, language = _pick(profile, language)
        text = _render(profile, template, data)
    else:
        language = language or ""
    sender = _render(profile, profile.sender, data).strip() if profile.sender else ""
    if not text.strip():
        raise ComposeError(_("The message is empty; an empty SMS is never sent."), "EMPTY")
    split = segments.segment(
        text,
        force_ucs2=profile.data_coding == choices.DataCoding.UCS2,
        udh=profile.long_message_method == choices.LongMessageMethod.UDH,
    )
    method = profile.long_message_method
    limit = 1 if method == choices.LongMessageMethod.REJECT else profile.max_parts
    if split.part_count > limit and method != choices.LongMessageMethod.PAYLOAD:
        raise ComposeError(
            _("The message needs %(parts)s parts; this profile allows at most %(limit)s.")
            % {"parts": split.part_count, "limit": limit},
            "TOO_LONG",
        )
    return Composed(text, sender, language, split.encoding, split.part_count)


def _pick(profile, language: str) -> tuple[str, str]:
    """(text, language used) for a recipient's language, falling back to the base language and
    then to the default language; never an empty text when any translation exists."""
    try:
        from profiles.message import languages
    except ImportError:
        languages = None
    if languages is not None and hasattr(languages, "pick"):
        picked = languages.pick(profile, language)
        return picked.text, picked.language
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    chain = []
    if profile.multilingual and language:
        chain += [language.lower(), language.lower().split("-")[0]]
    chain.append(default)
    for code in dict.fromkeys(chain):
        value = getattr(profile, f"message_{code}", None)
        if value:
            return value, code
    return profile.message or "", default


def _render(profile, template: str, data: dict) -> str:
    try:
        from profiles.message import placeholders
    except ImportError:
        return template
    try:
        return placeholders.render(template, data, policy=profile.missing_data_policy)
    except ValueError as exc:  # the renderer's errors name the key and its position
        raise ComposeError(str(exc), getattr(exc, "code", "render").upper()) from exc
