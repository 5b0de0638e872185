"""A bulk job: a recipient file turned into one Message per recipient, sent when the job starts.

The job holds what the import needs (the file, the column mapping, the default country), the
import's counters and row issues, and when and how it may send (schedule, send window). Sending
itself works on the job's Messages.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

ISSUE_VALUE_MAX = 200


def _default_country() -> str:
    return settings.SMSPORTAL_DEFAULT_COUNTRY


def _default_zone() -> str:
    """The default country's zone when it has one (DE: Europe/Berlin), else the site's."""
    import phonenumbers
    from phonenumbers import timezone as phone_timezone

    example = phonenumbers.example_number(settings.SMSPORTAL_DEFAULT_COUNTRY)
    zones = phone_timezone.time_zones_for_number(example) if example else ()
    return zones[0] if len(zones) == 1 and zones[0] != "Etc/Unknown" else settings.TIME_ZONE


class BulkJob(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")  # file uploaded, mapping not confirmed
        IMPORTING = "importing", _("Importing")
        READY = "ready", _("Ready")  # imported, not started
        # Starts at scheduled_at ("start now" is scheduled with scheduled_at = now): the engine's
        # periodic dispatcher starts due jobs.
        SCHEDULED = "scheduled", _("Scheduled")
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")
        FINISHED = "finished", _("Finished")
        IMPORT_FAILED = "import_failed", _("Import failed")

    class SourceKind(models.TextChoices):
        CSV = "csv", _("CSV file")
        XLSX = "xlsx", _("Excel file (XLSX)")
        PASTED = "pasted", _("Pasted numbers")

    name = models.CharField(_("name"), max_length=200)
    profile = models.ForeignKey(
        "profiles.SmsProfile",
        verbose_name=_("profile"),
        on_delete=models.PROTECT,
        related_name="bulk_jobs",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=15, choices=Status, default=Status.DRAFT, db_index=True
    )

    source = models.FileField(_("recipient file"), upload_to="bulk/%Y/%m/", blank=True)
    source_name = models.CharField(_("file name"), max_length=255, blank=True)
    source_kind = models.CharField(
        _("source"), max_length=10, choices=SourceKind, default=SourceKind.CSV
    )
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    # Column header (or "#<index>" without a header) -> "phone", "language", "data:<key>";
    # a column missing from the mapping is ignored.
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    default_country = models.CharField(
        _("default country"),
        max_length=2,
        default=_default_country,
        help_text=_("Numbers written without a country code are read as numbers of this country."),
    )
    keep_duplicates = models.BooleanField(
        _("keep duplicates"),
        default=False,
        help_text=_("Send to a number as often as it appears in the file."),
    )

    scheduled_at = models.DateTimeField(_("scheduled start"), null=True, blank=True)
    window_start = models.TimeField(_("send window opens"), null=True, blank=True)
    window_end = models.TimeField(_("send window closes"), null=True, blank=True)
    window_time_zone = models.CharField(
        _("default time zone"),
        max_length=64,
        default=_default_zone,
        help_text=_("For numbers whose country has no single time zone."),
    )

    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_imported = models.PositiveIntegerField(_("recipients"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rejected rows"), default=0)
    rows_suppressed = models.PositiveIntegerField(_("suppressed"), default=0)
    rows_duplicate = models.PositiveIntegerField(_("duplicates"), default=0)
    import_error = models.TextField(_("import error"), blank=True)
    # Token of the import run that owns the job's rows: a redelivered import task takes over and
    # a run that lost it writes nothing more (see sending.jobs.importer).
    import_claim = models.CharField(max_length=32, blank=True, editable=False)
    # Totals and the preview computed at import (sending.jobs.totals), shown before starting.
    totals = models.JSONField(_("totals"), default=dict, blank=True)

    pause_reason = models.TextField(_("pause reason"), blank=True)
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    auto_paused = models.BooleanField(_("paused by itself"), default=False)
    resume_at = models.DateTimeField(_("resumes at"), null=True, blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("bulk job")
        verbose_name_plural = _("bulk jobs")
        indexes = [
            # The dispatcher starting due scheduled jobs.
            models.Index(fields=["status", "scheduled_at"], name="bulkjob_status_scheduled"),
        ]

    def __str__(self):
        return self.name

    @property
    def has_window(self) -> bool:
        return self.window_start is not None and self.window_end is not None


class ImportIssue(models.Model):
    """One problem with one row of a job's file; the row is left out of the job."""

    class Code(models.TextChoices):
        INVALID_NUMBER = "invalid_number", _("Invalid number")
        UNKNOWN_LANGUAGE = "unknown_language", _("Unknown language")
        MISSING_VALUE = "missing_value", _("Missing value")
        SUPPRESSED = "suppressed", _("Suppressed (opt-out list)")
        DUPLICATE = "duplicate", _("Duplicate")
        TOO_LONG = "too_long", _("Message too long")
        EMPTY = "empty", _("Empty row")
        INVALID_MESSAGE = "invalid_message", _("Message cannot be sent")

    job = models.ForeignKey(
        BulkJob, verbose_name=_("bulk job"), on_delete=models.CASCADE, related_name="issues"
    )
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=200, blank=True)
    code = models.CharField(_("problem"), max_length=20, choices=Code)
    message = models.TextField(_("reason"))
    value = models.CharField(_("value"), max_length=ISSUE_VALUE_MAX, blank=True)

    class Meta:
        ordering = ["job", "row", "pk"]
        verbose_name = _("import issue")
        verbose_name_plural = _("import issues")
        indexes = [models.Index(fields=["job", "row"], name="importissue_job_row")]

    def __str__(self):
        return f"{self.row}: {self.message}"


class JobSecond(models.Model):
    """What a job did in one second: the series behind the job page's chart and current rate.

    The senders add to the row of the current second once per batch (a few writes a second, not
    one per message), and receipts add their deliveries; the chart never scans the messages.
    """

    job = models.ForeignKey(
        BulkJob, verbose_name=_("bulk job"), on_delete=models.CASCADE, related_name="seconds"
    )
    second = models.BigIntegerField(_("second"), help_text=_("Unix time, whole seconds."))
    parts_sent = models.PositiveIntegerField(_("parts sent"), default=0)
    messages_sent = models.PositiveIntegerField(_("messages sent"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    delivered = models.PositiveIntegerField(_("delivered"), default=0)

    class Meta:
        ordering = ["job", "second"]
        verbose_name = _("second of a bulk job")
        verbose_name_plural = _("seconds of bulk jobs")
        constraints = [models.UniqueConstraint(fields=["job", "second"], name="unique_job_second")]

    def __str__(self):
        return f"{self.job_id}@{self.second}"
