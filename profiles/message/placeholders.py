"""The strict placeholder renderer: ``{{ customer.first_name }}`` and
``{{ customer.first_name | default:"there" }}`` and nothing else.

A small parser of our own rather than a template engine: there are no tags, no filters but
``default``, no attribute or item traversal (a dotted key is one string looked up in a plain dict),
no ``eval`` and no ``str.format``. Values are inserted verbatim and never parsed again, so a value
holding ``{{``, ``%s`` or ``{0.__class__}`` is just text.

Missing values (absent, None or blank): a placeholder's own ``default:"…"`` always applies — the
author wrote it for that case. Without one, the profile's policy decides: ``fail`` the message,
send with an empty value (``fallback``), or ``skip`` the recipient.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.utils.translation import gettext as _

from ..choices import MissingDataPolicy

KEY = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+")
_WORDISH = re.compile(r"[^\s|}{]*")
OPEN, CLOSE = "{{", "}}"


@dataclass(frozen=True)
class PlaceholderError:
    code: str  # unclosed, nested, empty, invalid_key, unknown_key, unknown_filter, bad_fallback,
    # stray_close, tag
    message: str
    position: int  # 0-based offset in the text
    line: int
    column: int  # 1-based

    def __str__(self) -> str:
        return _("%(message)s (line %(line)s, column %(column)s)") % {
            "message": self.message,
            "line": self.line,
            "column": self.column,
        }


@dataclass(frozen=True)
class Placeholder:
    key: str
    fallback: str | None
    start: int
    end: int  # offset just after the closing braces

    @property
    def source(self) -> str:
        return f"{{{{ {self.key} }}}}"


@dataclass(frozen=True)
class Parsed:
    nodes: tuple[str | Placeholder, ...]
    errors: tuple[PlaceholderError, ...]

    @property
    def placeholders(self) -> list[Placeholder]:
        return [node for node in self.nodes if isinstance(node, Placeholder)]


class RenderError(ValueError):
    """The text cannot be rendered for this recipient; str() is the reason to show."""

    code = "render"


class MissingValue(RenderError):
    code = "missing"


class SkipRecipient(RenderError):
    """Policy "skip": this recipient is left out, not failed."""

    code = "skip"


@dataclass
class RenderResult:
    text: str
    status: str = "ok"  # "ok", "fail" or "skip"
    reason: str = ""
    missing: list[str] = field(default_factory=list)  # keys without a value
    fallbacks: list[str] = field(default_factory=list)  # keys rendered from a fallback

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _error(text: str, position: int, code: str, message: str) -> PlaceholderError:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return PlaceholderError(code, message, position, line, column)


def parse(text: str) -> Parsed:
    """Split a text into literal strings and placeholders, collecting every syntax error."""
    # Cached, as an import renders one text per row; a text with errors is parsed again, so its
    # errors are worded in the active language.
    parsed = _parse_cached(text)
    return _parse(text) if parsed.errors else parsed


@lru_cache(maxsize=256)
def _parse_cached(text: str) -> Parsed:
    return _parse(text)


def _parse(text: str) -> Parsed:
    nodes: list[str | Placeholder] = []
    errors: list[PlaceholderError] = []
    pos = 0
    while pos < len(text):
        start = text.find(OPEN, pos)
        # "{{{ otp.code }}}" is a literal brace around a placeholder: open at the last "{{".
        while start >= 0 and text.startswith("{", start + 2):
            start += 1
        literal = text[pos : len(text) if start < 0 else start]
        _check_literal(text, pos, literal, errors)
        if literal:
            nodes.append(literal)
        if start < 0:
            break
        node, pos = _parse_placeholder(text, start, errors)
        if node is not None:
            nodes.append(node)
            # Braces right after a placeholder ("{{{ x }}}") are text, like those before it.
            braces = len(text) - len(text[pos:].lstrip("}")) - pos
            if braces:
                nodes.append("}" * braces)
                pos += braces
    return Parsed(tuple(nodes), tuple(errors))


def _check_literal(text: str, offset: int, literal: str, errors: list[PlaceholderError]) -> None:
    stray = literal.find(CLOSE)
    if stray >= 0:
        errors.append(
            _error(text, offset + stray, "stray_close", _("“}}” without an opening “{{”."))
        )
    for mark in ("{%", "{#"):
        found = literal.find(mark)
        if found >= 0:
            errors.append(
                _error(
                    text,
                    offset + found,
                    "tag",
                    _("“%(mark)s” is not allowed; only {{ data.object }} placeholders are.")
                    % {"mark": mark},
                )
            )


def _parse_placeholder(text: str, start: int, errors: list[PlaceholderError]):
    """Parse the placeholder opening at ``start``; returns (node or None, next position)."""
    close = text.find(CLOSE, start + 2)
    nested = text.find(OPEN, start + 2)
    if close < 0:
        errors.append(_error(text, start, "unclosed", _("“{{” is never closed with “}}”.")))
        return None, len(text)
    if 0 <= nested < close and not _inside_quotes(text, start + 2, nested):
        errors.append(
            _error(text, nested, "nested", _("A placeholder cannot contain another “{{”."))
        )
        return None, close + 2
    pos = _skip_spaces(text, start + 2)
    key_match = KEY.match(text, pos)
    word = _WORDISH.match(text, pos).group()
    if not word:
        if text[pos] in "}|":
            code = "empty"
            message = _("Empty placeholder; write a data object such as {{ customer.first_name }}.")
        else:
            code = "nested"
            message = _("Unexpected “%(char)s” inside a placeholder.") % {"char": text[pos]}
        errors.append(_error(text, pos, code, message))
        return None, _close_after(text, pos)
    if key_match is None or key_match.end() != pos + len(word):
        errors.append(
            _error(
                text,
                pos,
                "invalid_key",
                _(
                    "“%(key)s” is not a data object key (dotted lower-case names such as "
                    "customer.first_name)."
                )
                % {"key": word},
            )
        )
        return None, _close_after(text, pos)
    key = key_match.group()
    pos = _skip_spaces(text, key_match.end())
    fallback = None
    if text.startswith("|", pos):
        fallback, pos = _parse_default(text, _skip_spaces(text, pos + 1), errors)
        if fallback is None:
            return None, _close_after(text, pos)
        pos = _skip_spaces(text, pos)
    if pos >= len(text):
        errors.append(_error(text, start, "unclosed", _("“{{” is never closed with “}}”.")))
        return None, len(text)
    if not text.startswith(CLOSE, pos):
        errors.append(
            _error(
                text,
                pos,
                "bad_fallback" if fallback is not None else "invalid_key",
                _("Expected “}}” here, found “%(found)s”.") % {"found": text[pos : pos + 10]},
            )
        )
        return None, _close_after(text, pos)
    return Placeholder(key, fallback, start, pos + 2), pos + 2


def _parse_default(text: str, pos: int, errors: list[PlaceholderError]):
    """Parse ``default:"value"`` at ``pos``; returns (value or None on error, next position)."""
    name = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(text, pos)
    if name is None or name.group() != "default":
        errors.append(
            _error(
                text,
                pos,
                "unknown_filter",
                _('Unknown filter “%(name)s”; only default:"…" is allowed.')
                % {"name": name.group() if name else text[pos : pos + 10]},
            )
        )
        return None, pos
    pos = name.end()
    if not text.startswith(":", pos):
        errors.append(
            _error(text, pos, "bad_fallback", _('Write the fallback as default:"value".'))
        )
        return None, pos
    pos += 1
    quote = text[pos : pos + 1]
    if quote not in ('"', "'"):
        errors.append(
            _error(
                text,
                pos,
                "bad_fallback",
                _('The fallback must be in quotes, for example default:"there".'),
            )
        )
        return None, pos
    value, index = [], pos + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            value.append(text[index + 1])
            index += 2
            continue
        if char == quote:
            return "".join(value), index + 1
        if char == "\n":
            break
        value.append(char)
        index += 1
    errors.append(_error(text, pos, "bad_fallback", _("The fallback's quotes are never closed.")))
    return None, pos


def _inside_quotes(text: str, start: int, index: int) -> bool:
    """Whether ``index`` lies inside a quoted fallback that begins after ``start``."""
    bar = text.find("|", start, index)
    if bar < 0:
        return False
    quotes = re.findall(r"(?<!\\)[\"']", text[bar:index])
    return len(quotes) % 2 == 1


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _close_after(text: str, pos: int) -> int:
    close = text.find(CLOSE, pos)
    return len(text) if close < 0 else close + 2


def validate(text: str, known_keys) -> list[PlaceholderError]:
    """Syntax errors and unknown keys, in order of position."""
    parsed = parse(text)
    known = set(known_keys)
    errors = list(parsed.errors)
    for node in parsed.placeholders:
        if node.key not in known:
            errors.append(
                _error(
                    text,
                    node.start,
                    "unknown_key",
                    _("Unknown data object “%(key)s”.") % {"key": node.key},
                )
            )
    return sorted(errors, key=lambda error: error.position)


def keys_used(text: str) -> list[str]:
    return list(dict.fromkeys(node.key for node in parse(text).placeholders))


def _value(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(
        value, str | int | float | Decimal | datetime.date
    ):
        raise RenderError(_("The value of “%(key)s” is not text.") % {"key": key})
    value = value.isoformat() if isinstance(value, datetime.date) else str(value)
    return value if value.strip() else None


def render_result(text: str, data: dict, policy: str = MissingDataPolicy.FAIL) -> RenderResult:
    """Render for one recipient; never raises for a missing value, reports it instead."""
    parsed = parse(text)
    if parsed.errors:
        return RenderResult("", "fail", str(parsed.errors[0]))
    out, missing, fallbacks = [], [], []
    for node in parsed.nodes:
        if isinstance(node, str):
            out.append(node)
            continue
        try:
            value = _value(data, node.key)
        except RenderError as exc:
            return RenderResult("", "fail", str(exc))
        if value is None:
            missing.append(node.key)
            if node.fallback is not None:
                fallbacks.append(node.key)
                value = node.fallback
            elif policy == MissingDataPolicy.FALLBACK:
                value = ""
        out.append(value or "")
    unresolved = [key for key in missing if key not in fallbacks]
    if unresolved and policy in (MissingDataPolicy.FAIL, MissingDataPolicy.SKIP):
        names = ", ".join(dict.fromkeys(unresolved))
        if policy == MissingDataPolicy.SKIP:
            reason = _("Skipped: no value for %(keys)s.") % {"keys": names}
            return RenderResult("", "skip", reason, missing, fallbacks)
        reason = _("No value for %(keys)s and no fallback.") % {"keys": names}
        return RenderResult("", "fail", reason, missing, fallbacks)
    return RenderResult("".join(out), "ok", "", missing, fallbacks)


def render(text: str, data: dict, policy: str = MissingDataPolicy.FAIL) -> str:
    """The rendered text, or RenderError (MissingValue / SkipRecipient) naming the reason."""
    result = render_result(text, data, policy)
    if result.status == "skip":
        raise SkipRecipient(result.reason)
    if result.status == "fail":
        raise (MissingValue if result.missing else RenderError)(result.reason)
    return result.text
