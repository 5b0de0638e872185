"""Secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) from the `cryptography` package.

Keys come from SMSPORTAL_SECRETS_KEYS (comma-separated Fernet keys; the first encrypts, every one
decrypts, which allows rotation). Without it a key is derived from SECRET_KEY with HKDF and a
system check warns (profiles.W001), because rotating SECRET_KEY would then lose the secrets.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with the configured keys. `kind` says which one
    ("password" or "header") so the message can say where to enter it again."""

    def __init__(self, message: str, kind: str = "password"):
        super().__init__(message)
        self.kind = kind


def _derived_key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"smsportal-secrets", info=b"fernet")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    raw = [key.encode() for key in keys] or [_derived_key(secret_key)]
    return MultiFernet([Fernet(key) for key in raw])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.SMSPORTAL_SECRETS_KEYS), settings.SECRET_KEY)


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable(
            "A stored secret cannot be decrypted: SMSPORTAL_SECRETS_KEYS or SECRET_KEY changed."
        ) from exc
