from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SendingConfig(AppConfig):
    name = "sending"
    verbose_name = _("Sending")

    def ready(self):
        from profiles import gateway_presets

        from . import checks, scrubbing  # noqa: F401  (checks registers the system checks)
        from .transports.web_url.presets import PRESETS

        gateway_presets.register(PRESETS)
        scrubbing.install()  # no log record holds a secret in use (sending/scrubbing.py)
