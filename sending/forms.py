"""The Send test SMS form: a number, a language and sample data."""

from __future__ import annotations

import phonenumbers
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from profiles.forms.fields import parse_lines
from profiles.models import DataObject


def message_languages() -> list[tuple[str, str]]:
    names = dict(settings.LANGUAGES)
    return [(code, names.get(code, code)) for code in settings.MODELTRANSLATION_LANGUAGES]


def keys_in(profile) -> list[str]:
    """Data object keys the profile's sender and messages (every language) use."""
    from profiles.message.placeholders import keys_used

    texts = [profile.sender or ""] + [
        getattr(profile, f"message_{code}", "") or "" for code, _name in message_languages()
    ]
    return list(dict.fromkeys(key for text in texts for key in keys_used(text)))


def sample_data_lines(profile) -> str:
    """key=value lines for the keys the message uses, filled with the data objects' samples."""
    samples = dict(DataObject.objects.values_list("key", "sample_value"))
    return "\n".join(f"{key}={samples.get(key, '')}" for key in keys_in(profile))


def normalise_number(value: str) -> str:
    """An E.164 number (+4915112345678) or ValidationError."""
    try:
        number = phonenumbers.parse(value.strip(), None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(
            _("Enter a valid mobile number in international format, e.g. +4915112345678."),
            code="invalid_number",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_data(text: str) -> dict[str, str]:
    """key=value lines into a dict; blank lines are ignored."""
    return parse_lines(text, _("Line %(number)s: write key=value, e.g. customer.first_name=Ada."))


class SendTestForm(forms.Form):
    to = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        help_text=_("International format with the country code, e.g. +4915112345678."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        help_text=_("The translation to send; an empty one falls back to the default language."),
    )
    data = forms.CharField(
        label=_("Sample data"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60, "spellcheck": "false"}),
        help_text=_("One key=value per line, used for the message's placeholders."),
    )

    def __init__(self, *args, profile, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile = profile
        self.fields["language"].choices = message_languages()
        self.fields["language"].initial = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
        if not profile.multilingual:
            self.fields["language"].widget = forms.HiddenInput()
        self.fields["data"].initial = sample_data_lines(profile)

    def clean_to(self) -> str:
        return normalise_number(self.cleaned_data["to"])

    def clean_data(self) -> dict[str, str]:
        return parse_data(self.cleaned_data["data"])
