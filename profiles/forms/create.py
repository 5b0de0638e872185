"""Step 1 — Creating a new profile (also the New dialog of SMS Settings)."""

from __future__ import annotations

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import STEP_FIELDS, SmsProfile
from ..models.profile import name_key

# Control characters, format characters (zero-width spaces and joiners, bidi overrides and
# isolates, the BOM) and line/paragraph separators: invisible, or they reorder what is shown.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}


class CreateStepForm(forms.ModelForm):
    class Meta:
        model = SmsProfile
        fields = STEP_FIELDS[1]

    def clean_name(self) -> str:
        name = unicodedata.normalize("NFC", self.cleaned_data["name"].strip())
        if not name:
            raise forms.ValidationError(_("Enter a Profile Name."), code="required")
        if any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in name):
            raise forms.ValidationError(
                _("A Profile Name cannot contain invisible or control characters."),
                code="invisible",
            )
        key = name_key(name)
        others = SmsProfile.objects.exclude(pk=self.instance.pk) if self.instance.pk else None
        names = (others if others is not None else SmsProfile.objects.all()).values_list(
            "name", flat=True
        )
        if any(name_key(other) == key for other in names):
            # Compared case-folded and normalised (the database constraint only has Lower());
            # the error repeats the name as typed: the other one may be someone's private name.
            raise forms.ValidationError(
                _("A profile named “%(name)s” already exists (names ignore case)."),
                params={"name": name},
                code="duplicate",
            )
        return name
