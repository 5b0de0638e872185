"""Step 4, Advanced Settings: the gateway tuning, as abstract models SmsProfile inherits.

Each field's help text ends with its default in [brackets]; the defaults follow what Kannel and
Jasmin ship (see the gateway notes), so saving step 4 unchanged gives a working profile.
"""

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import choices, crypto


def _default_retry_map():
    # Seconds to wait before retrying a submit that failed with this SMPP status (Jasmin-like).
    return {"ESME_RTHROTTLED": 30, "ESME_RMSGQFUL": 30, "ESME_RSYSERR": 30}


def _seconds(label, default, help_text, minimum=1):
    return models.PositiveIntegerField(
        label, default=default, validators=[MinValueValidator(minimum)], help_text=help_text
    )


class SmppTuning(models.Model):
    """The SMPP session: window, throughput, addressing, encoding, receipts, timeouts, retries."""

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
    after_crash = models.CharField(
        _("After a crash, messages that may have been sent"),
        max_length=6,
        choices=choices.AfterCrash,
        default=choices.AfterCrash.LEAVE,
        help_text=_(
            "A worker that died, or a request that timed out, may leave messages the gateway "
            "perhaps received. Resending them risks a duplicate; leaving them waits for you. "
            "[Leave]"
        ),
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
    receiver_bind = models.BooleanField(
        _("Receiver bind for receipts"),
        default=True,
        help_text=_(
            "With Bind Mode Transmitter and receipts requested, the receiver opens a "
            "bind_receiver so receipts and inbound messages still arrive. Turn off when the "
            "provider allows no receiver bind. [on]"
        ),
    )
    stop_reply = models.CharField(
        _("Reply to STOP"),
        max_length=480,
        blank=True,
        help_text=_("Sent once to a number that texts a stop keyword; empty = no reply. []"),
    )
    start_reply = models.CharField(
        _("Reply to START"),
        max_length=480,
        blank=True,
        help_text=_("Sent once to a number that texts START; empty = no reply. []"),
    )

    class Meta:
        abstract = True

    @property
    def receives(self) -> bool:
        """Whether the receiver keeps a bind open for this (SMPP) profile: a transceiver always,
        a transmitter through a bind_receiver when receipts are requested and allowed."""
        if self.bind_mode == choices.BindMode.TRANSCEIVER:
            return True
        return self.receiver_bind and self.delivery_receipts != choices.DeliveryReceipts.NONE


class WebUrlTuning(models.Model):
    """The HTTP gateway: body, extra parameters, headers, outcome patterns, timeout, TLS."""

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
    # The secret in the receipt callback URL (sending.web_receipts): encrypted at rest, since
    # every request to the gateway carries the URL; compared in constant time.
    receipt_token_encrypted = models.TextField(blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def receipt_token(self) -> str:
        return crypto.decrypt(self.receipt_token_encrypted)

    def regenerate_receipt_token(self) -> str:
        """A new callback token (the old one stops working at once); saved, and returned so
        that it can be shown once."""
        token = secrets.token_urlsafe(24)
        self.receipt_token_encrypted = crypto.encrypt(token)
        self.save(update_fields=["receipt_token_encrypted"])
        return token

    def ensure_receipt_token(self) -> str:
        return self.receipt_token or self.regenerate_receipt_token()
