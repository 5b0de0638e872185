"""Step 4 — Advanced Settings: every SMPP and HTTP client knob, grouped in sections."""

from __future__ import annotations

import re

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .. import choices
from ..choices import SMPP, WEB_URL
from ..models import STEP_FIELDS, SmsProfile
from ..patterns import PatternError, compile_pattern
from ..validators import validate_header_value
from .fields import KeyValueField
from .owner_only import OwnerOnlyFieldsMixin

REGEX_FIELDS = (
    "success_regex",
    "permanent_failure_regex",
    "temporary_failure_regex",
    "message_id_regex",
)

# The largest value each number may take: what the sender can use (socket timeouts, SMPP's
# relative validity of at most 63 weeks as GSM counts it, a rate a single bind can reach).
LIMITS = {
    "throughput": 10_000,
    "enquire_link_interval": 3600,
    "bind_timeout": 300,
    "response_timeout": 3600,
    "reconnect_delay": 3600,
    "request_timeout": 600,
    "validity_period": 63 * 7 * 24 * 60,
}

# (slug, title, protocol it matters for or "" for both, fields)
SECTIONS = [
    (
        "smpp-session",
        _("SMPP session"),
        SMPP,
        [
            "window_size",
            "throughput",
            "max_binds",
            "interface_version",
            "address_range",
            "service_type",
            "use_tls",
        ],
    ),
    (
        "addressing",
        _("Addressing (TON and NPI)"),
        SMPP,
        ["bind_ton", "bind_npi", "source_ton", "source_npi", "destination_ton", "destination_npi"],
    ),
    (
        "encoding",
        _("Encoding and long messages"),
        "",
        ["data_coding", "long_message_method", "max_parts"],
    ),
    (
        "receipts",
        _("Delivery receipts"),
        "",
        ["delivery_receipts", "receipt_id_format", "validity_period", "priority"],
    ),
    (
        "inbound",
        _("Receiving and inbound messages"),
        SMPP,
        ["receiver_bind", "stop_reply", "start_reply"],
    ),
    (
        "timeouts",
        _("Timeouts and retries"),
        "",
        [
            "enquire_link_interval",
            "bind_timeout",
            "response_timeout",
            "reconnect_delay",
            "max_retries",
            "retry_map",
            "after_crash",
        ],
    ),
    (
        "web-url",
        _("Web URL"),
        WEB_URL,
        [
            "body_type",
            "extra_params",
            "success_regex",
            "permanent_failure_regex",
            "temporary_failure_regex",
            "message_id_regex",
            "request_timeout",
            "verify_tls",
            "concurrency",
        ],
    ),
]


class HeaderForm(forms.Form):
    name = forms.CharField(
        label=_("Header name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    value = forms.CharField(
        label=_("Value"),
        required=False,
        max_length=2000,
        strip=False,
        validators=[validate_header_value],
    )
    secret = forms.BooleanField(label=_("Secret"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        secret = self.initial.get("secret") or (
            self.is_bound and self.data.get(self.add_prefix("secret"))
        )
        if secret:
            # A secret value is never rendered back, not even after a validation error.
            self.fields["value"].widget = forms.PasswordInput(
                render_value=False, attrs={"placeholder": "••••••••", "autocomplete": "off"}
            )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if name and not re.match(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", name):
            raise forms.ValidationError(_("A header name has letters, digits and - only."))
        return name


HeaderFormSet = forms.formset_factory(HeaderForm, extra=2)


class AdvancedStepForm(OwnerOnlyFieldsMixin, forms.ModelForm):
    retry_map = KeyValueField(
        integer_values=True,
        label=_("Retry delays per error"),
        # format_lazy, not "+": concatenating at import would freeze the English text.
        help_text=format_lazy(
            "{} {}",
            SmsProfile._meta.get_field("retry_map").help_text,
            _("One STATUS=seconds per line, or a JSON object."),
        ),
    )
    extra_params = KeyValueField(
        label=_("Extra parameters"),
        help_text=_("One name=value per line (or a JSON object); placeholders allowed. []"),
    )

    class Meta:
        model = SmsProfile
        fields = [f for f in STEP_FIELDS[4] if f != "headers"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.bind_destination(user)
        for name, limit in LIMITS.items():
            field = self.fields[name]
            field.max_value = limit
            field.validators.append(MaxValueValidator(limit))
            field.widget.attrs["max"] = limit
        if self.instance.processing_mode == choices.ProcessingMode.SYNCHRONOUS:
            window = self.fields["window_size"]
            window.disabled = True
            window.initial = 1
            self.initial["window_size"] = 1
            window.help_text = _("Synchronous processing always uses a window of 1.")
        headers = [
            {"name": h["name"], "value": "" if h.get("secret") else h["value"], "secret": True}
            if h.get("secret")
            else {"name": h["name"], "value": h["value"], "secret": False}
            for h in self.instance.headers
        ]
        self.headers_formset = HeaderFormSet(
            data=self.data if self.is_bound else None,
            initial=headers,
            prefix=f"{self.prefix}-headers" if self.prefix else "headers",
            # Clean every row, even an unchanged one: a kept secret row is "unchanged".
            form_kwargs={"empty_permitted": False},
        )

    def sections(self):
        """[(slug, title, protocol, [bound fields], has_errors)] for the template."""
        result = []
        for slug, title, protocol, names in SECTIONS:
            fields = [self[name] for name in names if name in self.fields]
            has_errors = any(f.errors for f in fields) or (
                slug == "web-url" and not self.headers_valid_for_display()
            )
            result.append((slug, title, protocol, fields, has_errors))
        return result

    def headers_valid_for_display(self) -> bool:
        return not self.is_bound or self.headers_formset.is_valid()

    def clean(self):
        data = super().clean()
        self.refuse_locked_changes()
        for name in REGEX_FIELDS:
            pattern = data.get(name)
            if pattern:
                try:
                    compile_pattern(pattern)
                except PatternError as exc:
                    self.add_error(
                        name,
                        _(
                            "Not a valid regular expression: %(error)s. Patterns run in linear "
                            "time (RE2): look-around and back-references are not supported."
                        )
                        % {"error": exc},
                    )
        if self.instance.processing_mode == choices.ProcessingMode.SYNCHRONOUS:
            data["window_size"] = 1
        return data

    def is_valid(self) -> bool:
        return super().is_valid() & self.headers_formset.is_valid()

    def save(self, commit: bool = True) -> SmsProfile:
        profile = super().save(commit=False)
        headers = [
            header
            for header in (f.cleaned_data for f in self.headers_formset.forms)
            if header.get("name")
        ]
        profile.set_headers(headers)
        typed = [h["name"] for h in headers if h.get("secret") and h.get("value")]
        self.drop_secrets_if_moved(profile, password_typed=False, headers_typed=typed)
        if commit:
            profile.save()
        return profile
