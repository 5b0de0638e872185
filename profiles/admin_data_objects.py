"""Admin for the Meta Data registry (data objects)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .message import segments
from .models import DataObject


class DataObjectForm(forms.ModelForm):
    class Meta:
        model = DataObject
        fields = ["key", "label", "description", "sample_value", "format", "currency"]

    def clean_currency(self) -> str:
        return (self.cleaned_data.get("currency") or "").strip().upper()

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("currency", "")
        if cleaned.get("format") == DataObject.Format.MONEY:
            if not (len(currency) == 3 and currency.isalpha()):
                self.add_error(
                    "currency", _("Money needs a three-letter ISO 4217 code such as EUR.")
                )
        elif currency:
            self.add_error("currency", _("Only money has a currency."))
        return cleaned


@admin.register(DataObject)
class DataObjectAdmin(admin.ModelAdmin):
    form = DataObjectForm
    list_display = ("key", "label", "format", "sample_value", "placeholder", "sample_encoding")
    list_filter = ("format",)
    search_fields = ("key", "label", "description", "sample_value")
    ordering = ("key",)
    fieldsets = [
        (None, {"fields": ["key", "label", "description"]}),
        (_("Sample and format"), {"fields": ["sample_value", "format", "currency"]}),
    ]

    @admin.display(description=_("placeholder"))
    def placeholder(self, obj: DataObject) -> str:
        return format_html("<code>{{{{ {} }}}}</code>", obj.key)

    @admin.display(description=_("sample encoding"))
    def sample_encoding(self, obj: DataObject) -> str:
        split = segments.segment(obj.sample_value)
        return _("GSM 7-bit") if split.encoding == segments.GSM7 else _("UCS-2")
