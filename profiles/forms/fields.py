"""Form fields for the JSON settings of step 4, editable as JSON or as key=value lines."""

from __future__ import annotations

import json
import re

from django import forms
from django.utils.translation import gettext_lazy as _

_STATUS_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
MAX_TEXT = 10_000  # characters of JSON or lines a mapping may take
MAX_ITEMS = 100
MAX_DELAY = 7 * 24 * 3600  # a retry waits a week at most


def parse_lines(text: str, message) -> dict[str, str]:
    """`key=value` lines into a dict; blank lines and `#` comments are skipped. A line without
    "=" or without a key raises ValidationError(message % {"number": line number})."""
    mapping = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, val = line.partition("=")
        if not sep or not key.strip():
            raise forms.ValidationError(message, params={"number": number}, code="invalid_line")
        mapping[key.strip()] = val.strip()
    return mapping


class KeyValueField(forms.CharField):
    """A mapping typed as a JSON object or as `key=value` lines; returns a dict."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60, "spellcheck": "false"})

    def __init__(self, *, integer_values: bool = False, **kwargs):
        self.integer_values = integer_values
        kwargs.setdefault("required", False)
        super().__init__(strip=True, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{key}={val}" for key, val in value.items())
        return value

    def to_python(self, value) -> dict:
        # A disabled field (a read-only page, the wizard's final check) cleans the saved mapping.
        text = super().to_python(self.prepare_value(value))
        if not text:
            return {}
        if len(text) > MAX_TEXT:
            raise forms.ValidationError(
                _("This is too long: at most %(limit)s characters."),
                params={"limit": MAX_TEXT},
                code="too_long",
            )
        if text[0] in "{[":
            try:
                mapping = json.loads(text)
            except RecursionError:
                raise forms.ValidationError(
                    _("Enter a flat JSON object: nested objects and lists are not allowed."),
                    code="nested",
                ) from None
            except json.JSONDecodeError as exc:
                raise forms.ValidationError(
                    _("This is not valid JSON (line %(line)s, column %(col)s): %(msg)s."),
                    params={"line": exc.lineno, "col": exc.colno, "msg": exc.msg},
                    code="invalid_json",
                ) from exc
            if not isinstance(mapping, dict):
                raise forms.ValidationError(_("Enter a JSON object."), code="invalid_json")
        else:
            mapping = self._parse_lines(text)
        if len(mapping) > MAX_ITEMS:
            raise forms.ValidationError(
                _("Enter at most %(limit)s entries."), params={"limit": MAX_ITEMS}, code="too_many"
            )
        return {str(key).strip(): self._value(key, val) for key, val in mapping.items()}

    def _parse_lines(self, text: str) -> dict:
        return parse_lines(text, _("Line %(number)s: write name=value (or a JSON object)."))

    def _value(self, key, val):
        if not self.integer_values:
            if isinstance(val, dict | list):
                raise forms.ValidationError(
                    _("Enter a flat JSON object: nested objects and lists are not allowed."),
                    code="nested",
                )
            return "" if val is None else str(val)
        if not _STATUS_NAME.match(str(key).strip()):
            raise forms.ValidationError(
                _("“%(key)s” is not an SMPP status name such as ESME_RTHROTTLED."),
                params={"key": key},
                code="invalid_key",
            )
        try:
            seconds = int(val) if not isinstance(val, bool | float) else -1
        except (TypeError, ValueError):
            seconds = -1
        if seconds < 0:
            raise forms.ValidationError(
                _("%(key)s: the delay must be a whole number of seconds (0 or more)."),
                params={"key": key},
                code="invalid_value",
            )
        if seconds > MAX_DELAY:
            raise forms.ValidationError(
                _("%(key)s: the delay can be at most %(limit)s seconds (one week)."),
                params={"key": key, "limit": MAX_DELAY},
                code="too_long_delay",
            )
        return seconds
