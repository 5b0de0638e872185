"""The SMS profile: every setting the four wizard steps collect."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from sending.transports import PROTOCOL_CHOICES, SMPP, WEB_URL

from .. import choices, crypto
from ..validators import validate_gateway_url, validate_host, validate_sender

STEPS = {
    1: _("Creating a new profile"),
    2: _("SMS Server Details"),
    3: _("Message"),
    4: _("Advanced Settings"),
}
ALL_STEPS_SAVED = 0b1111


def _default_retry_map():
    # Seconds to wait before retrying a submit that failed with this SMPP status (Jasmin-like).
    return {"ESME_RTHROTTLED": 30, "ESME_RMSGQFUL": 30, "ESME_RSYSERR": 30}


def _port(**kwargs):
    return models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(65535)], **kwargs
    )


def _seconds(label, default, help_text, minimum=1):
    return models.PositiveIntegerField(
        label, default=default, validators=[MinValueValidator(minimum)], help_text=help_text
    )


class SmsProfileQuerySet(models.QuerySet):
    def visible_to(self, user) -> SmsProfileQuerySet:
        """Global Configuration: global profiles for every staff user, private ones for their
        owner; superusers see everything."""
        if user.is_superuser:
            return self
        return self.filter(models.Q(is_global=True) | models.Q(owner_id=user.pk))

    def complete(self) -> SmsProfileQuerySet:
        return self.filter(saved_steps=ALL_STEPS_SAVED)


class SmsProfile(models.Model):
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
        choices=PROTOCOL_CHOICES,
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
            "http(s) URL of the gateway; {to}, {from}, {text}, {username} and {password} are "
            "replaced (URL-encoded) for each message."
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

    # Step 4: Advanced Settings — SMPP session
    window_size = models.PositiveIntegerField(
        _("Window size"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_(
            "Unanswered submit_sm allowed in flight (Asynchronous). Synchronous always uses 1. [10]"
        ),
    )
    throughput = models.PositiveIntegerField(
        _("Throughput cap"),
        default=0,
        help_text=_("Message parts per second, as providers count them; 0 = unlimited. [0]"),
    )
    max_binds = models.PositiveIntegerField(
        _("Maximum simultaneous binds"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(64)],
        help_text=_("How many connections the provider allows for this account. [1]"),
    )
    interface_version = models.PositiveSmallIntegerField(
        _("Interface version"),
        choices=choices.InterfaceVersion,
        default=choices.InterfaceVersion.V34,
        help_text=_("SMPP version sent in the bind. [3.4]"),
    )
    address_range = models.CharField(
        _("Address range"),
        max_length=40,
        blank=True,
        help_text=_("Addresses served by this bind (regular expression), usually empty. []"),
    )
    service_type = models.CharField(
        _("Service type"),
        max_length=5,
        blank=True,
        help_text=_("SMPP service_type, e.g. CMT or WAP; usually empty. []"),
    )
    bind_ton = models.PositiveSmallIntegerField(
        _("Bind TON"), choices=choices.Ton, default=choices.Ton.UNKNOWN, help_text=_("[0]")
    )
    bind_npi = models.PositiveSmallIntegerField(
        _("Bind NPI"), choices=choices.Npi, default=choices.Npi.UNKNOWN, help_text=_("[0]")
    )
    source_ton = models.PositiveSmallIntegerField(
        _("Source TON"),
        choices=choices.Ton,
        null=True,
        blank=True,
        help_text=_(
            "Empty = autodetect from the sender: alphanumeric 5, international number 1, "
            "short code 3. [autodetect]"
        ),
    )
    source_npi = models.PositiveSmallIntegerField(
        _("Source NPI"),
        choices=choices.Npi,
        null=True,
        blank=True,
        help_text=_("Empty = autodetect: alphanumeric 0, international 1, short code 0."),
    )
    destination_ton = models.PositiveSmallIntegerField(
        _("Destination TON"),
        choices=choices.Ton,
        default=choices.Ton.INTERNATIONAL,
        help_text=_("[1 International]"),
    )
    destination_npi = models.PositiveSmallIntegerField(
        _("Destination NPI"), choices=choices.Npi, default=choices.Npi.ISDN, help_text=_("[1 ISDN]")
    )
    data_coding = models.CharField(
        _("Default data coding"),
        max_length=5,
        choices=choices.DataCoding,
        default=choices.DataCoding.GSM7,
        help_text=_("GSM 7-bit (data_coding 0) falls back to UCS-2 (8) when needed. [GSM 7-bit]"),
    )
    long_message_method = models.CharField(
        _("Long messages"),
        max_length=8,
        choices=choices.LongMessageMethod,
        default=choices.LongMessageMethod.UDH,
        help_text=_("How messages longer than one part are sent. [UDH]"),
    )
    max_parts = models.PositiveSmallIntegerField(
        _("Maximum parts"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(255)],
        help_text=_("Longer messages fail with a clear reason. [6]"),
    )
    delivery_receipts = models.CharField(
        _("Delivery receipts"),
        max_length=8,
        choices=choices.DeliveryReceipts,
        default=choices.DeliveryReceipts.FINAL,
        help_text=_("registered_delivery requested from the SMSC. [Final]"),
    )
    receipt_id_format = models.CharField(
        _("Receipt message-id format"),
        max_length=8,
        choices=choices.ReceiptIdFormat,
        default=choices.ReceiptIdFormat.AUTO,
        help_text=_("How ids in receipts relate to ids in submit_sm_resp. [Auto]"),
    )
    validity_period = models.PositiveIntegerField(
        _("Validity period (minutes)"),
        null=True,
        blank=True,
        help_text=_("How long the SMSC keeps trying; empty = the SMSC default. []"),
    )
    priority = models.PositiveSmallIntegerField(
        _("Priority"), choices=choices.Priority, default=choices.Priority.NORMAL, help_text="[0]"
    )
    enquire_link_interval = _seconds(
        _("enquire_link interval (s)"), 30, _("Keep-alive sent while idle. [30]")
    )
    bind_timeout = _seconds(_("Bind timeout (s)"), 30, _("[30]"))
    response_timeout = _seconds(
        _("Response timeout (s)"), 60, _("Wait this long for a submit_sm_resp. [60]")
    )
    reconnect_delay = _seconds(_("Reconnect delay (s)"), 10, _("[10]"), minimum=0)
    max_retries = models.PositiveSmallIntegerField(
        _("Retries"),
        default=3,
        validators=[MaxValueValidator(100)],
        help_text=_("Attempts after a temporary failure before a message fails. [3]"),
    )
    retry_map = models.JSONField(
        _("Retry delays per error"),
        default=_default_retry_map,
        blank=True,
        help_text=_(
            "SMPP status name → seconds before retrying. "
            "[ESME_RTHROTTLED 30, ESME_RMSGQFUL 30, ESME_RSYSERR 30]"
        ),
    )
    use_tls = models.BooleanField(_("TLS"), default=False, help_text=_("Connect over TLS. [off]"))

    # Step 4: Advanced Settings — Web URL
    body_type = models.CharField(
        _("Body type"),
        max_length=5,
        choices=choices.BodyType,
        default=choices.BodyType.QUERY,
        help_text=_("How parameters are sent. [Query string]"),
    )
    extra_params = models.JSONField(
        _("Extra parameters"),
        default=dict,
        blank=True,
        help_text=_("Name → value added to every request; placeholders allowed. {}"),
    )
    headers = models.JSONField(
        _("Headers"),
        default=list,
        blank=True,
        editable=False,
        help_text=_("HTTP headers; secret values are stored encrypted."),
    )
    success_regex = models.CharField(
        _("Success pattern"),
        max_length=500,
        blank=True,
        help_text=_("Regular expression over “STATUS body”; empty = any 2xx. []"),
    )
    permanent_failure_regex = models.CharField(
        _("Permanent-failure pattern"),
        max_length=500,
        blank=True,
        help_text=_("Empty = any 4xx. []"),
    )
    temporary_failure_regex = models.CharField(
        _("Temporary-failure pattern"),
        max_length=500,
        blank=True,
        help_text=_("Empty = 5xx and timeouts. []"),
    )
    message_id_regex = models.CharField(
        _("Provider message-id pattern"),
        max_length=500,
        blank=True,
        help_text=_("Regular expression whose first group is the provider's message id. []"),
    )
    request_timeout = _seconds(_("Request timeout (s)"), 30, _("[30]"))
    verify_tls = models.BooleanField(
        _("Verify TLS certificates"), default=True, help_text=_("[on]")
    )
    concurrency = models.PositiveIntegerField(
        _("Concurrency"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Requests in flight at once for this profile. [4]"),
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
        return [
            (h["name"], crypto.decrypt(h["value"]) if h.get("secret") else h["value"])
            for h in self.headers
        ]

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
            self.name = self.name.strip()
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
        "use_tls",
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
