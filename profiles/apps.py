from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = _("Settings")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
