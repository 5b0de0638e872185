"""The opt-out (suppression) list: numbers that never get bulk messages, one list per site."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OptOut(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", _("Added by hand")
        IMPORT = "import", _("Imported")
        KEYWORD = "keyword", _("Keyword (STOP)")

    number = models.CharField(
        _("number"), max_length=32, unique=True, help_text=_("International format (E.164).")
    )
    source = models.CharField(_("source"), max_length=10, choices=Source, default=Source.MANUAL)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-out list")

    def __str__(self):
        return self.number

    @classmethod
    def add(cls, number: str, *, source: str = Source.MANUAL, reason: str = "", user=None):
        """Put an E.164 number on the list; a number already there keeps its first entry."""
        entry, _created = cls.objects.get_or_create(
            number=number, defaults={"source": source, "reason": reason, "created_by": user}
        )
        return entry

    @classmethod
    def is_suppressed(cls, number: str) -> bool:
        return cls.objects.filter(number=number).exists()
