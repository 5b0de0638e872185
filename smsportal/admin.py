"""The admin site's own titles (the apps register their models in their admin modules)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("SMS portal")
admin.site.site_title = _("SMS portal")
admin.site.index_title = _("Administration")
