"""A stored secret is bound to where it is sent.

The password and the secret header values of a profile go to one destination: the SMPP host and
port, or the Web URL's scheme, host and port, over the transport protection the profile asks for
(TLS, certificate checks). Whoever moves a profile somewhere else must type the secrets again in
the same save, or they are dropped: otherwise anyone allowed to edit a profile could point it at a
server of their own, press Test connection and read the stored password there.

Only the owner of a profile or a superuser may move it or change its Global Configuration; other
users with change rights edit the rest.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from .choices import SMPP

# The form fields that say where the secrets go or how they are protected on the way.
DESTINATION_FIELDS = ("protocol", "host", "port", "url", "use_tls", "verify_tls")
OWNER_ONLY_FIELDS = ("is_global", *DESTINATION_FIELDS)


def destination(profile) -> tuple:
    """Where the profile's secrets are sent: (protocol, host, port) in lower case."""
    if profile.protocol == SMPP:
        return (SMPP, (profile.host or "").strip().lower().rstrip("."), profile.port)
    parts = urlsplit(profile.url or "")
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    host = (parts.hostname or "").rstrip(".")
    return (profile.protocol, parts.scheme.lower(), host, port or default)


def protection(profile) -> tuple[bool, bool]:
    """(TLS on, certificates checked); for Web URL TLS is the scheme, part of the destination."""
    return (bool(profile.use_tls) or profile.protocol != SMPP, bool(profile.verify_tls))


def moved(before: tuple, after: tuple, protected_before, protected_after) -> bool:
    """Whether the secrets would now go somewhere else, or less protected. Turning TLS or the
    certificate check on, to the same place, does not expose them and keeps them."""
    pairs = zip(protected_before, protected_after, strict=True)
    weaker = any(was and not now for was, now in pairs)
    return before != after or weaker


def may_move(profile, user) -> bool:
    """Only the owner or a superuser may change where a profile sends, or whether it is global."""
    return user.is_superuser or profile.pk is None or profile.owner_id == user.pk


class Binding:
    """The destination of a profile as loaded, to judge a save against (see drop_if_moved)."""

    def __init__(self, profile):
        self.before = destination(profile)
        self.protected = protection(profile)
        self.dropped_fields: list[str] = []  # model fields a save must now write as well

    def drop_if_moved(self, profile, *, password_typed: bool, headers_typed=()) -> list[str]:
        """Clear the secrets not typed again in this save when the profile was moved; return
        what to tell the user (nothing when it stayed where it was)."""
        if not moved(self.before, destination(profile), self.protected, protection(profile)):
            return []
        notes = []
        if profile.has_password and not password_typed:
            profile.password = ""
            self.dropped_fields.append("password_encrypted")
            notes.append(
                _(
                    "The server changed, so the stored password was removed: a password is only "
                    "sent where it was entered for. Type it again in step 2, SMS Server Details."
                )
            )
        typed = {name.lower() for name in headers_typed}
        dropped = [
            h["name"]
            for h in profile.headers
            if h.get("secret") and h.get("value") and h["name"].lower() not in typed
        ]
        if dropped:
            profile.headers = [
                {**h, "value": ""} if h.get("secret") and h["name"] in dropped else h
                for h in profile.headers
            ]
            self.dropped_fields.append("headers")
            notes.append(
                _(
                    "The server changed, so the stored values of the secret headers %(names)s "
                    "were removed. Type them again in step 4, Advanced Settings."
                )
                % {"names": ", ".join(dropped)}
            )
        return notes
