"""The SMS profile: every setting the four wizard steps collect."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .. import choices, crypto
from ..choices import SMPP, WEB_URL
from ..validators import validate_gateway_url, validate_host, validate_sender
from .advanced import SmppTuning, WebUrlTuning

STEPS = {
    1: _("Creating a new profile"),
    2: _("SMS Server Details"),
    3: _("Message"),
    4: _("Advanced Settings"),
}
ALL_STEPS_SAVED = 0b1111


def name_key(name: str) -> str:
    """What two profile names are compared by: "Café" (NFC or NFD), "CAFÉ" and "café" are one
    name, "Straße" and "STRASSE" too."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def _port(**kwargs):
    return models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(65535)], **kwargs
    )


def visibility(user, via: str = "") -> models.Q:
    """Global Configuration as a filter: global profiles for every staff user, private ones for
    their owner; superusers see everything. `via` leads to the profile from another model
    ("profile__" for its messages, jobs, inbound messages)."""
    if user.is_superuser:
        return models.Q()
    return models.Q(**{f"{via}is_global": True}) | models.Q(**{f"{via}owner_id": user.pk})


class SmsProfileQuerySet(models.QuerySet):
    def visible_to(self, user) -> SmsProfileQuerySet:
        return self.filter(visibility(user))

    def complete(self) -> SmsProfileQuerySet:
        return self.filter(saved_steps=ALL_STEPS_SAVED)


class SmsProfile(SmppTuning, WebUrlTuning, models.Model):
    # Step 1: Creating a new profile
    name = models.CharField(
        _("Profile Name"),
        max_length=100,
        help_text=_("A unique name, for example “Marketing – Twilio EU”."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sms_profiles",
    )
    saved_steps = models.PositiveSmallIntegerField(
        _("saved steps"), default=0, editable=False, help_text=_("Bit N-1 set: step N saved.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Step 2: SMS Server Details
    protocol = models.CharField(
        _("Protocol"),
        max_length=20,
        choices=choices.Protocol,
        default=SMPP,
        help_text=_(
            "SMPP for speed and high volumes; Web URL for quick, lower-volume sending "
            "through an HTTP gateway."
        ),
    )
    system_type = models.CharField(
        _("System Type"),
        max_length=12,
        blank=True,
        help_text=_("Provided by your SMS aggregator; often empty. At most 12 characters."),
    )
    is_global = models.BooleanField(
        _("Global Configuration"),
        default=False,
        help_text=_(
            "Global profiles are visible to and usable by every staff user and can be applied "
            "site-wide; others only by their owner and superusers."
        ),
    )
    bind_mode = models.CharField(
        _("Bind Mode"),
        max_length=12,
        choices=choices.BindMode,
        default=choices.BindMode.TRANSMITTER,
        help_text=_(
            "Transmitter: one-way, outbound messaging. Transceiver: outgoing and incoming "
            "messages (and delivery receipts) on a single connection."
        ),
    )
    processing_mode = models.CharField(
        _("Processing Mode"),
        max_length=5,
        choices=choices.ProcessingMode,
        default=choices.ProcessingMode.ASYNCHRONOUS,
        help_text=_(
            "Synchronous waits for each acknowledgement before sending the next message; "
            "Asynchronous sends continuously within the window set in Advanced Settings."
        ),
    )
    host = models.CharField(
        _("IP address"),
        max_length=253,
        blank=True,
        validators=[validate_host],
        help_text=_("IP address or host name of the SMS server (SMSC)."),
    )
    port = _port(
        verbose_name=_("Port number"),
        null=True,
        blank=True,
        help_text=_("TCP port of the SMS server; SMPP usually uses 2775."),
    )
    url = models.CharField(
        _("Gateway URL"),
        max_length=2000,
        blank=True,
        validators=[validate_gateway_url],
        help_text=_(
            "http(s) URL of the gateway; for each message {to}, {from}, {text}, {username} and "
            "{password} are replaced (URL-encoded). The text's encoding: {coding} as Kannel "
            "numbers it (0 GSM 7-bit, 2 UCS-2), {data_coding} as SMPP does (0 or 8, Jasmin's "
            "coding); {text_ucs2_hex} is the text in UTF-16BE hex; {content_param}={content} "
            "sends content=the text when it fits GSM 7-bit, else hex-content=its UTF-16BE hex "
            "(Jasmin)."
        ),
    )
    http_method = models.CharField(
        _("HTTP method"),
        max_length=4,
        choices=choices.HttpMethod,
        default=choices.HttpMethod.GET,
        help_text=_("GET puts the parameters in the URL; POST sends them in the body."),
    )
    username = models.CharField(
        _("User name"),
        max_length=64,
        blank=True,
        help_text=_("The account (SMPP system_id, at most 15 characters) given by your provider."),
    )
    password_encrypted = models.TextField(_("password (encrypted)"), blank=True, editable=False)

    # Step 3: Message
    sender = models.CharField(
        _("Sender Mobile Number"),
        max_length=100,
        blank=True,
        validators=[validate_sender],
        help_text=_(
            "An international number (+4915112345678), a short code, up to 11 letters and digits, "
            "or a data object such as {{ document.sender_number }} resolved per recipient."
        ),
    )
    message = models.TextField(
        _("Message"),
        blank=True,
        help_text=_("The SMS text. Use Meta Data and Insert to add personalised values."),
    )
    multilingual = models.BooleanField(
        _("Multilingual"),
        default=False,
        help_text=_("Write a translation per language; recipients get their own language."),
    )
    missing_data_policy = models.CharField(
        _("When a value is missing"),
        max_length=10,
        choices=choices.MissingDataPolicy,
        default=choices.MissingDataPolicy.FAIL,
        help_text=_("What happens when a recipient lacks a value the message uses."),
    )

    objects = SmsProfileQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("SMS profile")
        # "All …" sets the list apart from Settings > SMS Profile, the SMS Settings dialog.
        verbose_name_plural = _("All SMS profiles")
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="unique_profile_name_ci",
                violation_error_message=_("A profile with this Profile Name already exists."),
            )
        ]
        permissions = [("apply_smsprofile", _("Can apply an SMS profile site-wide"))]

    def __str__(self):
        return self.name

    # Secrets: never rendered back; set through these properties only.
    @property
    def password(self) -> str:
        return crypto.decrypt(self.password_encrypted)

    @password.setter
    def password(self, value: str) -> None:
        self.password_encrypted = crypto.encrypt(value)

    @property
    def has_password(self) -> bool:
        return bool(self.password_encrypted)

    def header_items(self) -> list[tuple[str, str]]:
        """(name, value) pairs with secret values decrypted, for the transport only."""
        try:
            return [
                (h["name"], crypto.decrypt(h["value"]) if h.get("secret") else h["value"])
                for h in self.headers
            ]
        except crypto.SecretUnreadable as exc:
            raise crypto.SecretUnreadable(str(exc), kind="header") from exc

    def set_headers(self, items: list[dict]) -> None:
        """items: {"name", "value", "secret"}; a secret with an empty value keeps the stored one."""
        stored = {h["name"].lower(): h for h in self.headers if h.get("secret")}
        headers = []
        for item in items:
            name, value, secret = item["name"].strip(), item.get("value", ""), item.get("secret")
            if secret:
                old = stored.get(name.lower())
                value = crypto.encrypt(value) if value else (old["value"] if old else "")
            headers.append({"name": name, "value": value, "secret": bool(secret)})
        self.headers = headers

    # Wizard progress
    def is_step_saved(self, step: int) -> bool:
        return bool(self.saved_steps & (1 << (step - 1)))

    @property
    def is_complete(self) -> bool:
        return self.saved_steps & ALL_STEPS_SAVED == ALL_STEPS_SAVED

    @property
    def next_step(self) -> int | None:
        """The first step not saved yet, or None when the profile is complete."""
        return next((step for step in STEPS if not self.is_step_saved(step)), None)

    @property
    def state_label(self) -> str:
        if self.is_complete:
            return str(_("Complete"))
        return str(_("Draft at step %(step)s") % {"step": self.next_step})

    def mark_step_saved(self, step: int) -> None:
        self.saved_steps |= 1 << (step - 1)

    @property
    def effective_window(self) -> int:
        if self.processing_mode == choices.ProcessingMode.SYNCHRONOUS:
            return 1
        return self.window_size

    def clean(self):
        errors = {}
        if self.name:
            self.name = unicodedata.normalize("NFC", self.name.strip())
        if self.protocol == SMPP and self.is_step_saved(2):
            if not self.host:
                errors["host"] = _("Enter the IP address or host name of the SMS server.")
            if not self.port:
                errors["port"] = _("Enter the port number of the SMS server (1–65535).")
            if len(self.username) > 15:
                errors["username"] = _("SMPP allows at most 15 characters in the user name.")
        if self.protocol == WEB_URL and self.is_step_saved(2) and not self.url:
            errors["url"] = _("Enter the gateway URL.")
        # A step form validates its own fields only; errors about other steps' fields would have
        # no field to sit on (ModelForm raises ValueError), so leave them to their own step.
        excluded = getattr(self, "_clean_exclude", set())
        errors = {field: error for field, error in errors.items() if field not in excluded}
        if errors:
            raise ValidationError(errors)

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True):
        self._clean_exclude = set(exclude or ())
        try:
            super().full_clean(exclude, validate_unique, validate_constraints)
        finally:
            del self._clean_exclude

    def visible_to(self, user) -> bool:
        return user.is_superuser or self.is_global or self.owner_id == user.pk


# The fields each wizard step saves (update_fields); step forms are built from these.
STEP_FIELDS = {
    1: ["name"],
    2: [
        "protocol",
        "system_type",
        "is_global",
        "bind_mode",
        "processing_mode",
        "host",
        "port",
        "url",
        "http_method",
        "username",
        "password_encrypted",
    ],
    3: [
        "sender",
        "message",
        *(f"message_{code}" for code in settings.MODELTRANSLATION_LANGUAGES),
        "multilingual",
        "missing_data_policy",
    ],
    4: [
        "window_size",
        "throughput",
        "max_binds",
        "interface_version",
        "address_range",
        "service_type",
        "bind_ton",
        "bind_npi",
        "source_ton",
        "source_npi",
        "destination_ton",
        "destination_npi",
        "data_coding",
        "long_message_method",
        "max_parts",
        "delivery_receipts",
        "receipt_id_format",
        "validity_period",
        "priority",
        "enquire_link_interval",
        "bind_timeout",
        "response_timeout",
        "reconnect_delay",
        "max_retries",
        "retry_map",
        "after_crash",
        "use_tls",
        "receiver_bind",
        "stop_reply",
        "start_reply",
        "body_type",
        "extra_params",
        "headers",
        "success_regex",
        "permanent_failure_regex",
        "temporary_failure_regex",
        "message_id_regex",
        "request_timeout",
        "verify_tls",
        "concurrency",
    ],
}
