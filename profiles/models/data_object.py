from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class DataObject(models.Model):
    """A value a message can use as a Meta Data placeholder, e.g. {{ customer.first_name }}."""

    class Format(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        MONEY = "money", _("Money")
        DATE = "date", _("Date")

    key = models.CharField(
        _("key"),
        max_length=100,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$",
                _("Use dotted lower-case names such as customer.first_name."),
            )
        ],
        help_text=_("Dotted name used in placeholders, e.g. customer.first_name."),
    )
    label = models.CharField(_("label"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    sample_value = models.CharField(
        _("sample value"),
        max_length=500,
        blank=True,
        help_text=_("Used by the preview and the segment counter."),
    )
    format = models.CharField(_("format"), max_length=10, choices=Format, default=Format.TEXT)
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("ISO 4217 code, for money.")
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("data object")
        verbose_name_plural = _("data objects")

    def __str__(self):
        return f"{self.label} ({self.key})"
