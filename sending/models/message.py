"""What was sent: one Message per recipient, one MessagePart per SMS part the gateway accepted.

Claiming, retries and receipts work per Message and do not care who queued it (a Test SMS, the
sendsms command, or a bulk job (sending.models.job) with Messages of kind=BULK and job set).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    class Kind(models.TextChoices):
        TEST = "test", _("Test SMS")
        SINGLE = "single", _("Single (command line)")
        BULK = "bulk", _("Bulk")
        REPLY = "reply", _("Automatic reply")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        # Claimed by a worker (claim, claim_expires_at set); nothing on the wire yet, unless its
        # claim is a HandedChunk (a bulk chunk handed to the transport).
        SENDING = "sending", _("Sending")
        # A submit may be on the wire: a worker that dies now leaves a message that may have been
        # sent, which the sweeper marks possibly_sent instead of queueing it again. (A bulk
        # message is `sending` with a HandedChunk instead; the sweeper makes it this.)
        SUBMITTING = "submitting", _("Submitting")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Undelivered")
        EXPIRED = "expired", _("Expired")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")
        # Transient failure: next_attempt_at says when the sweeper queues it again.
        RETRYING = "retrying", _("Retrying")
        POSSIBLY_SENT = "possibly_sent", _("Possibly sent")
        CANCELLED = "cancelled", _("Cancelled")

    FINAL_STATUSES = (
        Status.DELIVERED,
        Status.UNDELIVERED,
        Status.EXPIRED,
        Status.REJECTED,
        Status.FAILED,
        Status.CANCELLED,
    )

    # SET_NULL: the record of what was sent outlives the profile that sent it.
    # No single-column indexes on profile, job, status or claim: the composite indexes below lead
    # with them, and every index costs each of the UPDATEs a bulk message goes through.
    profile = models.ForeignKey(
        "profiles.SmsProfile",
        verbose_name=_("profile"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        db_index=False,
    )
    job = models.ForeignKey(
        "sending.BulkJob",
        verbose_name=_("bulk job"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
    )
    row = models.PositiveIntegerField(
        _("row"), null=True, blank=True, help_text=_("Row of the recipient in the job's file.")
    )
    # Placeholder values the text was rendered with: a clone or a retry can render it again.
    data = models.JSONField(_("data"), default=dict, blank=True)
    # The recipient's IANA zone (from the number): the job's send window is in the recipient's
    # local time. Blank when the number has none or several: the job's window_time_zone applies.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.TEST)
    to = models.CharField(_("to"), max_length=32)
    sender = models.CharField(_("sender"), max_length=100, blank=True)
    text = models.TextField(_("text"), blank=True)
    language = models.CharField(
        _("language"), max_length=10, blank=True, help_text=_("The translation that was sent.")
    )
    encoding = models.CharField(_("encoding"), max_length=10, blank=True)
    parts_count = models.PositiveSmallIntegerField(_("parts"), default=0)
    status = models.CharField(_("status"), max_length=15, choices=Status, default=Status.QUEUED)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    error_reason = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Set by the UPDATE that claims a batch of messages (queued -> sending), so the sender reads
    # back exactly the rows it won; another worker's claim of the same ids gets none of them.
    claim = models.CharField(max_length=32, blank=True, editable=False)
    # Lease of the claim: the sweeper returns messages whose worker stopped renewing it.
    claim_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Resent although an earlier attempt may have reached the gateway (a crash or a timeout left
    # it possibly sent, and the profile says resend): the recipient may get it twice.
    possibly_duplicate = models.BooleanField(_("may arrive twice"), default=False)
    # The concatenation (UDH/SAR) reference, kept across retries so resent parts join the parts
    # the handset already has.
    concat_ref = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    finished_at = models.DateTimeField(
        _("finished"),
        null=True,
        blank=True,
        help_text=_("Delivered, undelivered, expired, rejected, failed or cancelled."),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            # The admin list and a profile's history.
            models.Index(fields=["profile", "-created_at"], name="message_profile_created"),
            # Retries wait in the database: the bulk sweeper picks up those whose time has come.
            # Partial, as the next one: a row without the time is in neither, so the claim and the
            # sent UPDATE of a bulk message (not HOT: status is indexed) write fewer index entries.
            models.Index(
                fields=["status", "next_attempt_at"],
                name="message_status_next",
                condition=models.Q(next_attempt_at__isnull=False),
            ),
            # Claiming a job's queued messages in row order.
            models.Index(fields=["job", "status", "id"], name="message_job_status_id"),
            # The sweeper finding claims whose lease expired.
            models.Index(
                fields=["status", "claim_expires_at"],
                name="message_status_claim_exp",
                condition=models.Q(claim_expires_at__isnull=False),
            ),
            # A claim's messages (renew, release); a plain index, no LIKE twin on PostgreSQL.
            models.Index(fields=["claim"], name="message_claim"),
            # A job's messages by source row (row errors, export).
            models.Index(fields=["job", "row"], name="message_job_row"),
            # Duplicates within a job at import; a number's messages in a job (opt-out, search).
            models.Index(fields=["job", "to"], name="message_job_to"),
            # An inbound reply finding the last message sent to its sender.
            models.Index(fields=["to", "-created_at"], name="message_to_created"),
        ]

    def __str__(self):
        return f"{self.to} · {self.get_status_display()}"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES


class HandedChunk(models.Model):
    """A bulk chunk's claim whose messages were handed to the transport: until each has its
    outcome, any of them may be at the SMSC.

    One small row written just before the chunk's first submit_sm, instead of an UPDATE of every
    message into `submitting` (sending.jobs.runner); the chunk's last outcome deletes it. After a
    crash the sweeper makes its unanswered messages possibly sent, and queues again those of a
    chunk never handed over.
    """

    token = models.CharField(max_length=32, primary_key=True)
    handed_at = models.DateTimeField()

    def __str__(self):
        return self.token


class MessagePart(models.Model):
    """One SMS part as the gateway accepted it, with its own receipt.

    A long message has one provider id per part and the SMSC sends one receipt per part; the message
    is delivered only when every part is (gateway-notes: Jasmin #663).
    """

    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="parts"
    )
    index = models.PositiveSmallIntegerField(_("part"), help_text=_("1 for the first part."))
    provider_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    # provider_id normalised (see sending.transports.smpp.receipts): receipts are looked up by this.
    provider_key = models.CharField(max_length=100, blank=True, editable=False)
    receipt_status = models.CharField(_("receipt"), max_length=10, blank=True)
    receipt_error = models.CharField(_("receipt error"), max_length=10, blank=True)
    receipt_at = models.DateTimeField(_("receipt received"), null=True, blank=True)
    receipt_raw = models.TextField(_("receipt text"), blank=True)
    delivered = models.BooleanField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["message", "index"]
        verbose_name = _("message part")
        verbose_name_plural = _("message parts")
        constraints = [
            models.UniqueConstraint(fields=["message", "index"], name="unique_message_part_index")
        ]
        indexes = [models.Index(fields=["provider_key"], name="part_provider_key")]

    def __str__(self):
        return f"{self.message_id}/{self.index}: {self.provider_id}"
