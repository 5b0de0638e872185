"""Step 2 — SMS Server Details: the fields depend on the protocol (SMPP or Web URL)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..choices import SMPP, WEB_URL
from ..gateway_presets import PRESETS
from ..models import STEP_FIELDS, SmsProfile, SmsSettings
from ..validators import is_link_local
from .owner_only import OwnerOnlyFieldsMixin

SMPP_PASSWORD_LIMIT = 8  # SMPP 3.4, section 5.2.1 (C-Octet String of 9 including the NUL)
SMPP_SYSTEM_ID_LIMIT = 15


class ServerStepForm(OwnerOnlyFieldsMixin, forms.ModelForm):
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Given by your provider. Stored encrypted and never shown again."),
    )
    clear_password = forms.BooleanField(
        label=_("Remove the stored password"),
        required=False,
        help_text=_("Tick to delete the stored password instead of keeping it."),
    )

    class Meta:
        model = SmsProfile
        fields = [f for f in STEP_FIELDS[2] if f != "password_encrypted"]
        widgets = {
            "protocol": forms.RadioSelect(attrs={"class": "radiolist inline"}),
            "bind_mode": forms.RadioSelect(attrs={"class": "radiolist inline"}),
            "processing_mode": forms.RadioSelect(attrs={"class": "radiolist inline"}),
            "http_method": forms.RadioSelect(attrs={"class": "radiolist inline"}),
            "url": forms.TextInput(attrs={"size": 80, "spellcheck": "false"}),
            "host": forms.TextInput(attrs={"spellcheck": "false", "placeholder": "10.0.0.5"}),
            "username": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        }
        error_messages = {
            "system_type": {
                "max_length": _(
                    "SMPP allows at most %(limit_value)d characters in the System Type "
                    "(this one has %(show_value)d)."
                )
            },
        }

    # Which fields belong to one protocol only; the template hides the others (see wizard.js).
    SMPP_ONLY = ("system_type", "bind_mode", "host", "port")
    WEB_URL_ONLY = ("url", "http_method")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.warnings: list[str] = []
        self.presets = PRESETS
        self.bind_destination(user)
        if self.instance.has_password:
            self.fields["password"].help_text = _(
                "A password is stored. Leave empty to keep it; type a new one to replace it."
            )
            self.fields["password"].widget.attrs["placeholder"] = "••••••••"
        else:
            del self.fields["clear_password"]

    def protocol_of(self, name: str) -> str:
        if name in self.SMPP_ONLY:
            return SMPP
        if name in self.WEB_URL_ONLY:
            return WEB_URL
        return ""

    def clean(self):
        data = super().clean()
        self.refuse_locked_changes()
        self._keep_applied_global(data)
        protocol = data.get("protocol")
        if protocol == SMPP:
            self._clean_smpp(data)
        elif protocol == WEB_URL and not data.get("url") and "url" not in self.errors:
            self.add_error("url", _("Enter the gateway URL (or pick a preset)."))
        self._check_link_local(data)
        password = data.get("password") or ""
        if protocol == SMPP and len(password) > SMPP_PASSWORD_LIMIT:
            self.warnings.append(
                _(
                    "The password has %(count)s characters; SMPP 3.4 allows %(limit)s. It was "
                    "saved because some providers issue longer ones; if the bind fails, check it."
                )
                % {"count": len(password), "limit": SMPP_PASSWORD_LIMIT}
            )
        return data

    def _check_link_local(self, data) -> None:
        field = "host" if data.get("protocol") == SMPP else "url"
        value = data.get(field) or ""
        host = value if field == "host" else (urlsplit(value).hostname or "")
        if not host or not is_link_local(host):
            return
        if settings.SMSPORTAL_REFUSE_LINK_LOCAL:
            self.add_error(
                field,
                _(
                    "%(host)s is a link-local or cloud metadata address, which this portal "
                    "refuses (SMSPORTAL_REFUSE_LINK_LOCAL)."
                )
                % {"host": host},
            )
        else:
            self.warnings.append(
                _(
                    "%(host)s is a link-local or cloud metadata address; SMS gateways are rarely "
                    "there. Check that it is the right host."
                )
                % {"host": host}
            )

    def _keep_applied_global(self, data) -> None:
        applied = SmsSettings.applied()
        if self.instance.pk and applied and applied.pk == self.instance.pk:
            if not data.get("is_global", True):
                self.add_error(
                    "is_global",
                    _(
                        "This profile is applied site-wide, so it must stay a Global "
                        "Configuration profile. Apply another profile in SMS Settings first."
                    ),
                )

    def _clean_smpp(self, data) -> None:
        if not data.get("host") and "host" not in self.errors:
            self.add_error("host", _("Enter the IP address or host name of the SMS server."))
        if data.get("port") is None and "port" not in self.errors:
            self.add_error("port", _("Enter the port number of the SMS server (1–65535)."))
        for name in ("username", "password"):
            if not (data.get(name) or "").isascii() and name not in self.errors:
                self.add_error(
                    name,
                    _(
                        "Use ASCII letters, digits and punctuation only: SMPP sends it as plain "
                        "ASCII (a C-Octet String)."
                    ),
                )
        if len(data.get("username") or "") > SMPP_SYSTEM_ID_LIMIT:
            self.add_error(
                "username",
                _("SMPP allows at most %(limit)s characters in the user name (system_id).")
                % {"limit": SMPP_SYSTEM_ID_LIMIT},
            )

    def save(self, commit: bool = True) -> SmsProfile:
        profile = super().save(commit=False)
        if self.cleaned_data.get("clear_password"):
            profile.password = ""
        elif self.cleaned_data.get("password"):
            profile.password = self.cleaned_data["password"]
        # An empty password field keeps the stored one, unless the server changed.
        self.drop_secrets_if_moved(profile, password_typed=bool(self.cleaned_data.get("password")))
        if commit:
            profile.save()
        return profile
