"""A job's messages as CSV or XLSX rows, read in chunks so a million rows never sit in memory.

Each chunk of messages is one query, their parts a second query (prefetch per chunk), so the
query count grows with the chunks, never with the rows.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from sending.models import BulkJob, Message, MessagePart

CHUNK_SIZE = 2000
FIELDS = (
    "pk", "job_id", "row", "to", "language", "text", "parts_count", "status", "attempts",
    "error_code", "error_reason", "created_at", "sent_at", "finished_at",
)  # fmt: skip


def header() -> list[str]:
    return [
        _("row"), _("recipient"), _("language"), _("text"), _("parts"), _("state"),
        _("provider ids"), _("attempts"), _("error code"), _("error"), _("created"), _("sent"),
        _("finished"),
    ]  # fmt: skip


def messages(job: BulkJob, states: Iterable[str] = (), chunk_size: int = CHUNK_SIZE):
    """The job's messages in file order (optionally only some states), parts prefetched."""
    queryset = Message.objects.filter(job=job).only(*FIELDS).order_by("row", "pk")
    states = list(states)
    if states:
        queryset = queryset.filter(status__in=states)
    parts = MessagePart.objects.only("message_id", "index", "provider_id").order_by("index")
    queryset = queryset.prefetch_related(Prefetch("parts", queryset=parts))
    return queryset.iterator(chunk_size=chunk_size)


def rows(job: BulkJob, states: Iterable[str] = (), chunk_size: int = CHUNK_SIZE) -> Iterator[list]:
    """One list per message, timestamps as aware datetimes in the current time zone."""
    for message in messages(job, states, chunk_size):
        yield [
            message.row,
            message.to,
            message.language,
            message.text,
            message.parts_count,
            message.status,
            " ".join(part.provider_id for part in message.parts.all() if part.provider_id),
            message.attempts,
            message.error_code,
            message.error_reason,
            _local(message.created_at),
            _local(message.sent_at),
            _local(message.finished_at),
        ]


class _Echo:
    """A file-like object whose write returns the line: csv.writer then yields lines."""

    def write(self, value: str) -> str:
        return value


def csv_lines(job: BulkJob, states: Iterable[str] = (), chunk_size: int = CHUNK_SIZE):
    """The CSV, line by line: a UTF-8 byte order mark first so spreadsheet programs read the
    accents right, ISO 8601 timestamps."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header())
    for row in rows(job, states, chunk_size):
        yield writer.writerow([_iso(value) for value in row])


def xlsx_file(job: BulkJob, states: Iterable[str] = (), chunk_size: int = CHUNK_SIZE):
    """The workbook written row by row (openpyxl's write-only mode keeps no cell objects) into a
    temporary file, returned rewound; an XLSX is a zip finished at the end, so it is streamed
    from disk once written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Messages"))
    bold = Font(bold=True)
    titles = []
    for title in header():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        titles.append(cell)
    sheet.append(titles)
    for row in rows(job, states, chunk_size):
        sheet.append([_cell(sheet, value) for value in row])
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return output


def _local(value):
    return timezone.localtime(value) if value else None


def _iso(value):
    return value.isoformat(timespec="seconds") if hasattr(value, "isoformat") else value


def _cell(sheet, value):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if value.startswith("="):
            # A text starting with "=" is text here, never a formula the spreadsheet would run.
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
        return value
    if getattr(value, "tzinfo", None) is not None:
        # openpyxl refuses aware datetimes: local wall-clock time, as the page shows it.
        return value.replace(tzinfo=None)
    return value
