"""Step 1 — Creating a new profile (also the New dialog of SMS Settings)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import STEP_FIELDS, SmsProfile


class CreateStepForm(forms.ModelForm):
    class Meta:
        model = SmsProfile
        fields = STEP_FIELDS[1]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter a Profile Name."), code="required")
        others = SmsProfile.objects.filter(name__iexact=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            # Case-insensitive (the database constraint uses Lower(name)); say so on the field.
            raise forms.ValidationError(
                _("A profile named “%(name)s” already exists (names ignore case)."),
                params={"name": others.first().name},
                code="duplicate",
            )
        return name
