from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class SmsSettings(models.Model):
    """Site-wide SMS settings: one row, holding the applied profile that sends use by default."""

    applied_profile = models.ForeignKey(
        "profiles.SmsProfile",
        verbose_name=_("applied profile"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        # Shown as Settings > SMS Profile in the admin (the product documentation's words); the
        # entry opens the SMS Settings dialog (SmsSettingsAdmin).
        verbose_name = _("SMS settings")
        verbose_name_plural = _("SMS Profile")

    def __str__(self):
        return str(_("SMS Settings"))

    @classmethod
    def load(cls) -> "SmsSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    @classmethod
    def applied(cls):
        """The applied profile, or None."""
        row = cls.objects.select_related("applied_profile").filter(pk=1).first()
        return row.applied_profile if row else None

    def apply(self, profile, user=None) -> None:
        """Apply `profile` site-wide. Only complete, global profiles can be applied."""
        from django.utils import timezone

        if not profile.is_complete:
            raise ValidationError(
                _("“%(name)s” is a draft (next step: %(step)s); finish it before applying it."),
                params={"name": profile.name, "step": profile.next_step},
                code="draft",
            )
        if not profile.is_global:
            raise ValidationError(
                _(
                    "“%(name)s” is not a Global Configuration profile; only global profiles "
                    "can be applied site-wide."
                ),
                params={"name": profile.name},
                code="not_global",
            )
        self.applied_profile = profile
        self.applied_at = timezone.now()
        self.applied_by = user
        self.save()
