"""User-written regular expressions (the Web URL outcome patterns) on RE2, a linear-time engine.

The patterns run over text a gateway sends back, so a catastrophic pattern such as ^(a+)+$ must
not be able to hang a worker. RE2 has no look-around and no back-references; a pattern that needs
them is refused when the profile is saved, with the engine's reason.
"""

from __future__ import annotations

from functools import lru_cache

import re2


class PatternError(ValueError):
    """The pattern cannot be compiled by RE2; str() is the engine's reason."""


@lru_cache(maxsize=256)
def compile_pattern(source: str):
    """The compiled pattern (search(), group(), .groups like Python's re)."""
    try:
        return re2.compile(source)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(str(reason)) from None
