"""Creating a job, step by step, as plain functions (the admin pages and `sendbulk` call them):
store the file and read its header, confirm the column mapping, send a test to a seed list."""

from __future__ import annotations

import itertools
from pathlib import Path

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils.translation import gettext as _

from sending import tasks
from sending.jobs import mapping as column_mapping
from sending.jobs.reader import FileProblem, Table, kind_for_name, open_table
from sending.models import BulkJob, Message

PREVIEW_ROWS = 5
MAX_SEEDS = 10


def create_job(
    *,
    profile,
    name: str,
    user=None,
    upload: File | None = None,
    pasted: str = "",
    default_country: str | None = None,
    keep_duplicates: bool = False,
) -> BulkJob:
    """A DRAFT job holding the file (or the pasted numbers) and a guessed mapping. FileProblem
    when the file cannot be read: then nothing is kept."""
    job = BulkJob(profile=profile, name=name, created_by=user, keep_duplicates=keep_duplicates)
    if default_country:
        job.default_country = default_country.upper()
    if upload is not None:
        job.source_name = Path(upload.name or "recipients.csv").name[:255]
        job.source_kind = kind_for_name(job.source_name)
        content = upload
    else:
        job.source_name = _("pasted numbers")
        job.source_kind = BulkJob.SourceKind.PASTED
        content = ContentFile(pasted.encode("utf-8"))
    suffix = {BulkJob.SourceKind.XLSX: ".xlsx", BulkJob.SourceKind.CSV: ".csv"}.get(
        job.source_kind, ".txt"
    )
    job.source.save(f"recipients{suffix}", content, save=False)
    try:
        table = open_table(job.source.path, job.source_kind)
    except FileProblem:
        job.source.delete(save=False)
        raise
    job.encoding, job.delimiter = table.encoding, table.delimiter
    job.mapping = column_mapping.guess(table.header, profile)
    job.save()
    return job


def read_table(job: BulkJob) -> Table:
    return open_table(job.source.path, job.source_kind)


def sample_rows(job: BulkJob, count: int = PREVIEW_ROWS) -> tuple[list[str], list[list[str]]]:
    """The header and the first rows of the job's file, for the mapping page."""
    table = read_table(job)
    rows = table.rows()
    try:
        sample = [cells for _row, cells in itertools.islice(rows, count)]
    finally:
        rows.close()
    width = len(table.header)
    return table.header, [(cells + [""] * width)[:width] for cells in sample]


def confirm_mapping(job: BulkJob, mapping: dict[str, str]) -> list[str]:
    """Save the mapping and mark the job IMPORTING (the caller then queues the import task);
    returns the reasons the mapping is refused, if any."""
    header = read_table(job).header
    problems = column_mapping.validate(mapping, header)
    if problems:
        return problems
    with transaction.atomic():
        updated = BulkJob.objects.filter(
            pk=job.pk, status__in=[BulkJob.Status.DRAFT, BulkJob.Status.IMPORT_FAILED]
        ).update(
            mapping={column: target for column, target in mapping.items() if target},
            status=BulkJob.Status.IMPORTING,
            rows_read=0,
            import_error="",
        )
    if not updated:
        return [_("This job has been imported already.")]
    job.refresh_from_db()
    return []


def send_seed(job: BulkJob, numbers: list[str], user=None) -> list[Message]:
    """Send the job's message, rendered for its first recipient, to each seed number as a Test
    SMS (the Test SMS path: its own priority, its result page)."""
    first = Message.objects.filter(job=job).order_by("row", "pk").first()
    language, data = (first.language, first.data) if first else ("", {})
    return [
        tasks.queue_test_message(job.profile, number, language=language, data=data, user=user)
        for number in numbers[:MAX_SEEDS]
    ]
