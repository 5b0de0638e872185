"""The profile's outcome patterns: which answers mean success, a permanent or a temporary failure,
and where the provider's message id is."""

from __future__ import annotations

from django.utils.translation import gettext as _

from profiles.patterns import PatternError, compile_pattern

from ..base import TransportError

MATCH_LIMIT = 65536  # characters of the body the patterns look at


class Patterns:
    def __init__(self, profile):
        def compiled(field: str):
            source = getattr(profile, field) or ""
            if not source:
                return None
            try:
                return compile_pattern(source)  # RE2: linear time over any gateway answer
            except PatternError as exc:
                raise TransportError(
                    _("Invalid regular expression in %(field)s: %(error)s")
                    % {"field": field, "error": exc},
                    permanent=True,
                    code="config",
                ) from None

        self.success = compiled("success_regex")
        self.permanent = compiled("permanent_failure_regex")
        self.temporary = compiled("temporary_failure_regex")
        self.message_id = compiled("message_id_regex")

    def outcome(self, status: int, body: str) -> str:
        """'success', 'permanent' or 'temporary' for a response."""
        line = f"{status} {body[:MATCH_LIMIT]}"
        if self.success.search(line) if self.success else 200 <= status < 300:
            return "success"
        if self.permanent.search(line) if self.permanent else 400 <= status < 500:
            return "permanent"
        if self.temporary.search(line) if self.temporary else status >= 500:
            return "temporary"
        # An answer matching nothing: 5xx may pass, anything else would only fail again (and a
        # 2xx that is not a success may still have been sent, so never retry it blindly).
        return "temporary" if status >= 500 else "permanent"

    def provider_id(self, status: int, body: str) -> str:
        if not self.message_id:
            return ""
        found = self.message_id.search(f"{status} {body[:MATCH_LIMIT]}")
        if not found:
            return ""
        return (found.group(1) if self.message_id.groups else found.group(0)).strip()
