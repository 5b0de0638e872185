"""Admin list filters shared by the message, bulk job, inbound message and unmatched receipt
lists."""

from __future__ import annotations

from django.contrib import admin

from profiles.models import SmsProfile


class VisibleProfileFilter(admin.RelatedFieldListFilter):
    """ "By profile" offers only the profiles the user may see (Global Configuration), so another
    user's private profile is not revealed by its name."""

    def field_choices(self, field, request, model_admin):
        return [(p.pk, str(p)) for p in SmsProfile.objects.visible_to(request.user)]
