"""Template tags for the admin pages: the applied profile and the UI languages."""

from __future__ import annotations

from django import template
from django.conf import settings

from ..models import SmsSettings

register = template.Library()


@register.simple_tag(takes_context=True)
def applied_sms_profile(context):
    """The applied profile when the current user may see it, else None."""
    profile = SmsSettings.applied()
    request = context.get("request")
    if profile is None or request is None or not profile.visible_to(request.user):
        return None
    return profile


@register.simple_tag
def ui_languages():
    return settings.UI_LANGUAGES


@register.filter
def protocol_of(form, field_name: str) -> str:
    """The protocol a step-2 field belongs to ("" for both), for showing and hiding rows."""
    method = getattr(form, "protocol_of", None)
    return method(field_name) if method else ""
