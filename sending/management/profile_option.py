"""The --profile option of the sending commands (sendsms, sendbulk): one rule for both."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from profiles.models import SmsProfile, SmsSettings


def profile_named(name: str | None) -> SmsProfile:
    """The profile of that name (any case) or id, else the applied one; it must be complete."""
    if name:
        found = SmsProfile.objects.filter(name__iexact=name.strip())
        if name.strip().isdigit():
            found = found | SmsProfile.objects.filter(pk=int(name))
        profile = found.first()
        if profile is None:
            raise CommandError(_("No profile named “%(name)s”.") % {"name": name})
    else:
        profile = SmsSettings.applied()
        if profile is None:
            raise CommandError(_("No profile is applied; name one with --profile."))
    if not profile.is_complete:
        raise CommandError(
            _("“%(name)s” is a draft (next step: %(step)s); finish it first.")
            % {"name": profile.name, "step": profile.next_step}
        )
    return profile
