"""A job's messages as CSV or XLSX rows, read in chunks so a million rows never sit in memory.

The messages are read through one cursor in chunks, each chunk's provider ids with one more query,
so the query count grows with the chunks, never with the rows.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from sending.jobs import xlsx
from sending.models import BulkJob, Message, MessagePart

CHUNK_SIZE = 2000
FIELDS = (
    "pk", "row", "to", "language", "text", "parts_count", "status", "attempts", "error_code",
    "error_reason", "created_at", "sent_at", "finished_at",
)  # fmt: skip


def header() -> list[str]:
    return [
        _("row"), _("recipient"), _("language"), _("text"), _("parts"), _("state"),
        _("provider ids"), _("attempts"), _("error code"), _("error"), _("created"), _("sent"),
        _("finished"),
    ]  # fmt: skip


def rows(job: BulkJob, states: Iterable[str] = (), chunk_size: int = CHUNK_SIZE) -> Iterator[list]:
    """One list per message in file order (optionally only some states), timestamps as aware
    datetimes in the current time zone. Plain tuples, no model instances: a chunk of messages,
    then one query for that chunk's provider ids."""
    queryset = Message.objects.filter(job=job)
    states = list(states)
    if states:
        queryset = queryset.filter(status__in=states)
    values = queryset.order_by("row", "pk").values_list(*FIELDS).iterator(chunk_size=chunk_size)
    zone = timezone.get_current_timezone()
    for chunk in _chunks(values, chunk_size):
        provider_ids = _provider_ids([item[0] for item in chunk])
        for pk, row, to, language, text, parts, status, attempts, code, error, *times in chunk:
            yield [
                row, to, language, text, parts, status, " ".join(provider_ids.get(pk, ())),
                attempts, code, error, *(_local(value, zone) for value in times),
            ]  # fmt: skip


def _chunks(iterable, size: int):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _provider_ids(message_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    parts = (
        MessagePart.objects.filter(message_id__in=message_ids)
        .exclude(provider_id="")
        .order_by("message_id", "index")
        .values_list("message_id", "provider_id")
    )
    for message_id, provider_id in parts:
        found.setdefault(message_id, []).append(provider_id)
    return found


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
    """The workbook written row by row (sending.jobs.xlsx keeps no cells) into a temporary file,
    returned rewound; an XLSX is a zip finished at the end, so it is streamed from disk once
    written. Timestamps are local wall-clock time, as the page shows them."""
    output = tempfile.TemporaryFile()
    with xlsx.SheetWriter(output, _("Messages")) as sheet:
        sheet.append(header(), bold=True)
        for row in rows(job, states, chunk_size):
            sheet.append([_naive(value) for value in row])
    output.seek(0)
    return output


def _local(value, zone):
    return timezone.localtime(value, zone) if value else None


def _iso(value):
    return value.isoformat(timespec="seconds") if hasattr(value, "isoformat") else value


def _naive(value):
    return value.replace(tzinfo=None) if getattr(value, "tzinfo", None) is not None else value
