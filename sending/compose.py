"""Turn a profile's message into the text one recipient gets, with the message engine
(profiles.message): the language picked with its fallback, placeholders rendered strictly, the
sender resolved, and the length judged on the rendered text."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from profiles import choices
from profiles.message import languages, placeholders, segments
from profiles.message.sender import resolve_sender
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
    """The rendered message for one recipient, or ComposeError naming why it cannot be sent.

    `text` given (sendsms --text) is sent as written, without placeholders or translations.
    """
    try:
        if text is None:
            picked = languages.pick(profile, language)
            text = placeholders.render(picked.text, data, profile.missing_data_policy)
            language = picked.language
        sender = resolve_sender(profile, data).value
    except languages.NoMessageText as exc:
        raise ComposeError(str(exc), "EMPTY") from exc
    except placeholders.RenderError as exc:  # names the key (and position for syntax errors)
        raise ComposeError(str(exc), exc.code.upper()) from exc
    if not text.strip():
        raise ComposeError(_("The message is empty; an empty SMS is never sent."), "EMPTY")
    method = profile.long_message_method
    split = segments.segment(
        text,
        force_ucs2=profile.data_coding == choices.DataCoding.UCS2,
        udh=method == choices.LongMessageMethod.UDH,
    )
    limit = 1 if method == choices.LongMessageMethod.REJECT else profile.max_parts
    if split.part_count > limit and method != choices.LongMessageMethod.PAYLOAD:
        raise ComposeError(
            _("The message needs %(parts)s parts; this profile allows at most %(limit)s.")
            % {"parts": split.part_count, "limit": limit},
            "TOO_LONG",
        )
    return Composed(text, sender, language or "", split.encoding, split.part_count)
