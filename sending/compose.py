"""Turn a profile's message into the text one recipient gets, with the message engine
(profiles.message): the language picked with its fallback, placeholders rendered strictly, the
sender resolved, and the parts planned on the rendered text (profiles.message.parts, the one
rule the transports then follow)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from profiles.message import languages, parts, placeholders
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
    plan: parts.PartPlan

    @property
    def encoding(self) -> str:
        return self.plan.encoding

    @property
    def parts(self) -> int:
        return self.plan.part_count


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
    plan = parts.plan(text, profile)
    if plan.too_long:
        raise ComposeError(plan.too_long_reason(), parts.TOO_LONG)
    return Composed(text, sender, language or "", plan)
