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
    return Composer(profile).compose(language=language, data=data, text=text)


class Composer:
    """compose() for the many recipients of one profile (an import): the message picked for each
    requested language is looked up once, not per recipient."""

    def __init__(self, profile):
        self.profile = profile
        self._picked: dict[str, languages.PickedMessage] = {}

    def compose(self, *, language: str = "", data: dict, text: str | None = None) -> Composed:
        profile = self.profile
        try:
            if text is None:
                picked = self._pick(language)
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

    def _pick(self, language: str) -> languages.PickedMessage:
        picked = self._picked.get(language)
        if picked is None:  # NoMessageText is raised again for each recipient, not kept
            picked = self._picked[language] = languages.pick(self.profile, language)
        return picked
