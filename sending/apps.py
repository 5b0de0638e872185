from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SendingConfig(AppConfig):
    name = "sending"
    verbose_name = _("Sending")

    def ready(self):
        from profiles import gateway_presets

        from . import checks  # noqa: F401  (registers the system checks)
        from .transports.web_url.presets import PRESETS

        gateway_presets.register(PRESETS)
