"""Step 3 — Message: sender, the message per language, Multilingual, missing-value policy.

The wizard saves ``STEP_FIELDS[3]``. The untranslated ``message`` attribute is not a form field:
with django-modeltranslation it writes to the *active UI language's* column, so the form edits
``message_<code>`` directly (the default language box is labelled "Message").
"""

from __future__ import annotations

from functools import cached_property

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname

from ..message import languages, parts, placeholders, preview
from ..models import STEP_FIELDS, DataObject, SmsProfile
from ..validators import sender_kind


def _message_field(code: str) -> str:
    return build_localized_fieldname("message", code)


class MessageStepForm(forms.ModelForm):
    class Meta:
        model = SmsProfile
        fields = [f for f in STEP_FIELDS[3] if f != "message"]
        widgets = {
            "missing_data_policy": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.data_objects = list(DataObject.objects.all())
        self.known_keys = {obj.key for obj in self.data_objects}
        self.default_language = languages.default_language()
        self.warnings: list[str] = []
        self.estimates: dict[str, preview.Estimate] = {}
        self.fields["sender"].widget.attrs.update(
            {"placeholder": "+4915112345678", "autocomplete": "off", "spellcheck": "false"}
        )
        self.fields["missing_data_policy"].help_text = _(
            "For a recipient without a value the message uses. A placeholder's own fallback, "
            '{{ customer.first_name | default:"there" }}, is always used first.'
        )
        for code in languages.codes():
            name = _message_field(code)
            if name not in self.fields:
                continue
            field = self.fields[name]
            field.widget = forms.Textarea(
                attrs={
                    "rows": 6,
                    "dir": "rtl" if languages.is_rtl(code) else "ltr",
                    "lang": code,
                    "class": "sms-message-input vLargeTextField",
                    "data-language": code,
                }
            )
            field.label = (
                _("Message") if code == self.default_language else languages.language_name(code)
            )
            field.help_text = ""
            field.required = False

    # -- what the template shows ---------------------------------------------------------
    @cached_property
    def language_tabs(self) -> list[dict]:
        return [
            {
                "code": code,
                "name": languages.language_name(code),
                "rtl": languages.is_rtl(code),
                "default": code == self.default_language,
                "field": self[_message_field(code)],
                "counter": self._counter(code),
            }
            for code in languages.codes()
            if _message_field(code) in self.fields
        ]

    def _counter(self, code: str) -> str:
        text = self[_message_field(code)].value() or ""
        return preview.describe(preview.estimate(text, self.data_objects, self.instance).sample)

    def editor_config(self) -> dict:
        """The editor's settings (rendered with json_script): languages, data objects, limits."""
        profile = self.instance
        return {
            "defaultLanguage": self.default_language,
            "languages": [
                {"code": t["code"], "name": str(t["name"]), "rtl": t["rtl"]}
                for t in self.language_tabs
            ],
            "dataObjects": [
                {
                    "key": obj.key,
                    "label": obj.label,
                    "description": obj.description,
                    "sample": obj.sample_value,
                    "format": obj.format,
                }
                for obj in self.data_objects
            ],
            "maxParts": parts.limit(profile),
            "forceUcs2": parts.options(profile)["force_ucs2"],
            "udh": parts.options(profile)["udh"],
        }

    # -- validation ----------------------------------------------------------------------
    def clean_sender(self) -> str:
        sender = (self.cleaned_data.get("sender") or "").strip()
        if sender_kind(sender) == "data_object":
            key = placeholders.parse(sender).placeholders[0].key
            if key not in self.known_keys:
                raise forms.ValidationError(
                    _("Unknown data object “%(key)s”; pick one from the Meta Data list."),
                    params={"key": key},
                    code="unknown_key",
                )
        return sender

    def clean(self):
        cleaned = super().clean()
        multilingual = cleaned.get("multilingual")
        used = [self.default_language]
        if multilingual:
            used = [t["code"] for t in self.language_tabs]
        for code in used:
            name = _message_field(code)
            text = cleaned.get(name) or ""
            for error in placeholders.validate(text, self.known_keys):
                self.add_error(name, str(error))
        default_name = _message_field(self.default_language)
        if not (cleaned.get(default_name) or "").strip() and default_name not in self.errors:
            self.add_error(
                default_name,
                forms.ValidationError(
                    _("Enter the message in %(language)s, the default language."),
                    params={"language": languages.language_name(self.default_language)},
                    code="required",
                ),
            )
        if not self.errors:
            self._estimate(cleaned, used)
        return cleaned

    def _estimate(self, cleaned: dict, used: list[str]) -> None:
        for code in used:
            text = cleaned.get(_message_field(code)) or ""
            if not text.strip():
                continue
            estimate = preview.estimate(text, self.data_objects, self.instance)
            self.estimates[code] = estimate
            if estimate.too_long:
                self.warnings.append(
                    gettext(
                        "%(language)s: with long values the message may need %(parts)s parts "
                        "(%(encoding)s); this profile allows at most %(limit)s, so longer "
                        "messages will fail."
                    )
                    % {
                        "language": languages.language_name(code),
                        "parts": estimate.longest.part_count,
                        "encoding": preview.encoding_label(estimate.longest.encoding),
                        "limit": estimate.limit,
                    }
                )
