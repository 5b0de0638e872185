"""One row of a recipient file -> one queued Message, or the issues that keep it out of the job.

A row is checked cell by cell (number, language), then rendered with sending.compose (the one
owner of text, encoding and parts). Duplicates and the opt-out list are checked a batch at a time
against the database (see importer), so memory does not grow with the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import phonenumbers
from django.utils.translation import gettext as _
from phonenumbers import timezone as phone_timezone

from profiles.message import languages
from sending.compose import ComposeError, Composer
from sending.jobs import mapping as column_mapping
from sending.jobs import numbers
from sending.models import BulkJob, ImportIssue, Message
from sending.models.job import ISSUE_VALUE_MAX
from sending.transports.base import storable

Code = ImportIssue.Code
_COMPOSE_CODES = {
    "MISSING": Code.MISSING_VALUE,
    "SKIP": Code.MISSING_VALUE,
    "TOO_LONG": Code.TOO_LONG,
}
_COMPOSE_CACHE_SIZE = 4096


@dataclass(slots=True)
class Recipient:
    """A message to insert (sending.jobs.insert): the Message fields an import sets, without
    the cost of a model instance per row."""

    profile_id: int
    job_id: int
    kind: str
    to: str
    row: int
    sender: str
    text: str
    language: str
    encoding: str
    parts_count: int
    data: dict
    time_zone: str
    created_by_id: int | None


@dataclass
class Checked:
    row: int
    message: Recipient | None = None
    issues: list[ImportIssue] = field(default_factory=list)


class RowChecker:
    def __init__(self, job: BulkJob, header: list[str]):
        self.job = job
        self.header = header
        self.profile = job.profile
        self.phone, self.language, self.data = column_mapping.columns_for(job.mapping, header)
        self.used_keys = set(column_mapping.profile_keys(self.profile))
        self.known_languages = set(languages.codes())
        self._composer = Composer(self.profile)
        self._composed: dict[tuple, object] = {}
        self._zones: dict[str, str] = {}

    def issue(self, row: int, column: int | None, code: str, message: str, value: str = ""):
        name = self.header[column] if column is not None and column < len(self.header) else ""
        return ImportIssue(
            job=self.job,
            row=row,
            column=name[:200],
            code=code,
            message=message,
            value=(value or "")[:ISSUE_VALUE_MAX],
        )

    def check(self, row: int, cells: list[str]) -> Checked:
        result = Checked(row)
        for index in (self.phone, self.language, *self.data.values()):
            cell = self._cell(cells, index)
            if "\0" in cell:  # past the sample the reader checks: sent or stored, it breaks
                reason = _("This cell holds a NUL character (binary data): fix the file.")
                result.issues.append(
                    self.issue(row, index, Code.INVALID_MESSAGE, reason, storable(cell))
                )
                return result
        raw = self._cell(cells, self.phone)
        number = self._number(result, raw)
        language = self._language(result, self._cell(cells, self.language))
        data = {key: self._cell(cells, index) for key, index in self.data.items()}
        data = {key: value for key, value in data.items() if value}
        if result.issues:
            return result
        try:
            composed = self._compose(language, data)
        except ComposeError as exc:
            result.issues.append(self._compose_issue(row, exc, data))
            return result
        result.message = Recipient(
            profile_id=self.profile.pk,
            job_id=self.job.pk,
            kind=Message.Kind.BULK,
            to=number,
            row=row,
            sender=composed.sender,
            text=composed.text,
            language=composed.language,
            encoding=composed.encoding,
            parts_count=composed.parts,
            data=data,
            time_zone=self._zone(number),
            created_by_id=self.job.created_by_id,
        )
        return result

    @staticmethod
    def _cell(cells: list[str], index: int | None) -> str:
        if index is None or index >= len(cells):
            return ""
        return cells[index]

    def _number(self, result: Checked, raw: str) -> str:
        if not raw:
            result.issues.append(
                self.issue(result.row, self.phone, Code.EMPTY, _("The row has no mobile number."))
            )
            return ""
        number = numbers.e164(raw, self.job.default_country)
        if number is None:
            reason = _("“%(value)s” is not a valid mobile number (default country %(country)s).")
            result.issues.append(
                self.issue(
                    result.row,
                    self.phone,
                    Code.INVALID_NUMBER,
                    reason % {"value": raw[:40], "country": self.job.default_country},
                    raw,
                )
            )
            return ""
        return number

    def _language(self, result: Checked, raw: str) -> str:
        if not raw:
            return ""
        code = languages.normalise(raw)
        if code in self.known_languages or code.split("-")[0] in self.known_languages:
            return code
        reason = _("“%(value)s” is not one of the message languages (%(languages)s).")
        names = ", ".join(sorted(self.known_languages))
        result.issues.append(
            self.issue(
                result.row,
                self.language,
                Code.UNKNOWN_LANGUAGE,
                reason % {"value": raw[:20], "languages": names},
                raw,
            )
        )
        return ""

    def _compose(self, language: str, data: dict):
        # Rows whose language and used values are equal render the same: a message without
        # placeholders is composed once per language, not once per row.
        key = (language, tuple(sorted((k, v) for k, v in data.items() if k in self.used_keys)))
        composed = self._composed.get(key)
        if composed is None:
            try:
                composed = self._composer.compose(language=language, data=data)
            except ComposeError as exc:
                composed = exc
            if len(self._composed) >= _COMPOSE_CACHE_SIZE:
                self._composed.clear()
            self._composed[key] = composed
        if isinstance(composed, ComposeError):
            raise composed
        return composed

    def _compose_issue(self, row: int, exc: ComposeError, data: dict) -> ImportIssue:
        code = _COMPOSE_CODES.get(exc.code, Code.INVALID_MESSAGE)
        column = None
        if code == Code.MISSING_VALUE:
            missing = [key for key in self.data if key in self.used_keys and key not in data]
            column = self.data[missing[0]] if missing else None
        return self.issue(row, column, code, exc.reason)

    def _zone(self, number: str) -> str:
        """The recipient's zone when the number has exactly one, else "" (the send window then
        uses the job's window_time_zone, which the user may still change when scheduling)."""
        # phonenumbers' zone data is keyed by prefixes of at most 9 digits.
        prefix = number[: 1 + phone_timezone.TIMEZONE_LONGEST_PREFIX]
        zone = self._zones.get(prefix)
        if zone is None:
            zones = phone_timezone.time_zones_for_number(phonenumbers.parse(number))
            zone = zones[0] if len(zones) == 1 and zones[0] != "Etc/Unknown" else ""
            if len(self._zones) < 100_000:
                self._zones[prefix] = zone
        return zone


def duplicate_issue(checker: RowChecker, message: Recipient, first_row: int | None) -> ImportIssue:
    if first_row is None:
        reason = _("%(number)s appears earlier in the file.") % {"number": message.to}
    else:
        reason = _("%(number)s appears earlier in the file (row %(row)s).") % {
            "number": message.to,
            "row": first_row,
        }
    return checker.issue(message.row, checker.phone, Code.DUPLICATE, reason, message.to)


def suppressed_issue(checker: RowChecker, message: Recipient) -> ImportIssue:
    reason = _("%(number)s is on the opt-out list.") % {"number": message.to}
    return checker.issue(message.row, checker.phone, Code.SUPPRESSED, reason, message.to)
