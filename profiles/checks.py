from django.conf import settings
from django.core.checks import Error, Warning, register

from .crypto import Fernet


@register()
def secrets_key_check(app_configs, **kwargs):
    keys = settings.SMSPORTAL_SECRETS_KEYS
    if not keys:
        return [
            Warning(
                "SMSPORTAL_SECRETS_KEYS is not set; gateway passwords are encrypted with a key "
                "derived from SECRET_KEY.",
                hint="Set SMSPORTAL_SECRETS_KEYS to a Fernet key (python -c 'from cryptography."
                "fernet import Fernet; print(Fernet.generate_key().decode())') so that "
                "rotating SECRET_KEY does not make stored passwords unreadable.",
                id="profiles.W001",
            )
        ]
    errors = []
    for key in keys:
        try:
            Fernet(key.encode())
        except ValueError:
            errors.append(
                Error(
                    "A key in SMSPORTAL_SECRETS_KEYS is not a valid Fernet key.",
                    hint="Each key is 32 url-safe base64-encoded bytes.",
                    id="profiles.E001",
                )
            )
    return errors
