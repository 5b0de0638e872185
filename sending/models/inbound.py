"""What providers send us: inbound (MO) messages, and receipts still waiting for their message.

A long inbound message arrives as several deliver_sm, one per part, possibly out of order and
possibly on different binds; each part is an InboundPart row until all are there, and the
InboundMessage holds the joined text (the parts seen so far while some are missing).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundMessage(models.Model):
    class Action(models.TextChoices):
        NONE = "", _("None")
        OPTED_OUT = "opted_out", _("Added to the opt-out list")
        OPTED_IN = "opted_in", _("Removed from the opt-out list")

    profile = models.ForeignKey(
        "profiles.SmsProfile",
        verbose_name=_("profile"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="inbound_messages",
    )
    sender = models.CharField(_("from"), max_length=32, db_index=True)
    recipient = models.CharField(_("to"), max_length=32)
    text = models.TextField(_("text"), blank=True)
    encoding = models.CharField(_("encoding"), max_length=10, blank=True)
    data_coding = models.PositiveSmallIntegerField(_("data coding"), default=0)
    received_at = models.DateTimeField(_("received"), db_index=True)
    # Concatenated messages: the reference and part count from the UDH or the SAR TLVs.
    concat_ref = models.PositiveIntegerField(null=True, blank=True, editable=False)
    parts_total = models.PositiveSmallIntegerField(_("parts"), default=1)
    parts_received = models.PositiveSmallIntegerField(_("parts received"), default=1)
    complete = models.BooleanField(_("complete"), default=True)
    # The PDU's digest: a deliver_sm the SMSC sends again (we died before answering) is
    # recognised instead of stored twice.
    fingerprint = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    reply_to = models.ForeignKey(
        "sending.Message",
        verbose_name=_("reply to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
        help_text=_("The last message sent to this number."),
    )
    job = models.ForeignKey(
        "sending.BulkJob",
        verbose_name=_("bulk job"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
    )
    action = models.CharField(
        _("action"), max_length=10, choices=Action, default=Action.NONE, blank=True
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        indexes = [
            # Finding the incomplete message a new part belongs to.
            models.Index(
                fields=["profile", "sender", "concat_ref", "complete"], name="inbound_concat"
            ),
        ]

    def __str__(self):
        return f"{self.sender} → {self.recipient}"


class InboundPart(models.Model):
    inbound = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="parts")
    index = models.PositiveSmallIntegerField(_("part"))
    payload = models.BinaryField(_("octets"))
    fingerprint = models.CharField(max_length=64, blank=True, editable=False, db_index=True)

    class Meta:
        ordering = ["inbound", "index"]
        verbose_name = _("inbound message part")
        verbose_name_plural = _("inbound message parts")
        constraints = [
            models.UniqueConstraint(fields=["inbound", "index"], name="unique_inbound_part")
        ]

    def __str__(self):
        return f"{self.inbound_id}/{self.index}"


class UnmatchedReceipt(models.Model):
    """A receipt whose message part is not known (yet).

    A receipt can overtake its own submit_sm_resp (it arrives on another bind while the sender
    has not written the part down): it waits here and is matched when the part is recorded. One
    that never matches stays listed for SMSPORTAL_UNMATCHED_RECEIPT_DAYS, then is purged.
    """

    profile = models.ForeignKey(
        "profiles.SmsProfile",
        verbose_name=_("profile"),
        on_delete=models.CASCADE,
        related_name="unmatched_receipts",
    )
    provider_id = models.CharField(_("provider message id"), max_length=100)
    # The normalised ids the receipt's id may stand for (decimal/hex readings), up to three.
    key1 = models.CharField(max_length=100, editable=False)
    key2 = models.CharField(max_length=100, blank=True, editable=False)
    key3 = models.CharField(max_length=100, blank=True, editable=False)
    status = models.CharField(_("receipt"), max_length=10)
    error_code = models.CharField(_("receipt error"), max_length=10, blank=True)
    raw = models.TextField(_("receipt text"), blank=True)
    received_at = models.DateTimeField(_("received"), db_index=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("unmatched receipt")
        verbose_name_plural = _("unmatched receipts")
        indexes = [
            models.Index(fields=["key1"], name="unmatched_key1"),
            models.Index(fields=["key2"], name="unmatched_key2"),
            models.Index(fields=["key3"], name="unmatched_key3"),
        ]

    def __str__(self):
        return f"{self.provider_id}: {self.status}"

    @property
    def keys(self) -> list[str]:
        return [key for key in (self.key1, self.key2, self.key3) if key]
