"""python manage.py sendbulk FILE [--profile NAME_OR_ID] [--schedule ISO] [--country DE]
[--keep-duplicates] [--window 09:00-20:00 --window-zone Europe/Berlin] [--mapping col=target …]

Creates a bulk job from a recipient file, imports it here (no worker needed), prints the report
and schedules it (now unless --schedule); the workers send it."""

from __future__ import annotations

import datetime
import zoneinfo
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sending.jobs import create, importer, schedule
from sending.jobs import mapping as column_mapping
from sending.jobs.reader import FileProblem
from sending.management.profile_option import profile_named
from sending.models import BulkJob

ISSUES_PRINTED = 20


class Command(BaseCommand):
    help = _("Create a bulk job from a CSV or XLSX file, import it and schedule it.")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("Recipient file (CSV or XLSX) with a header row."))
        parser.add_argument(
            "--profile", help=_("Profile name or id (default: the applied profile).")
        )
        parser.add_argument("--name", help=_("Job name (default: the file name)."))
        parser.add_argument(
            "--schedule", metavar="ISO", help=_("Start time, e.g. 2026-12-01T09:00+01:00.")
        )
        parser.add_argument("--country", help=_("Default country of the numbers, e.g. DE."))
        parser.add_argument("--keep-duplicates", action="store_true", help=_("Keep duplicates."))
        parser.add_argument(
            "--window", metavar="HH:MM-HH:MM", help=_("Send window in the recipient's local time.")
        )
        parser.add_argument("--window-zone", help=_("Default time zone, e.g. Europe/Berlin."))
        parser.add_argument(
            "--mapping",
            nargs="+",
            action="extend",
            default=[],
            metavar="COLUMN=TARGET",
            help=_("Column mapping: phone, language, data:<key> or ignore (default: guessed)."),
        )
        parser.add_argument(
            "--import-only", action="store_true", help=_("Import and report, do not schedule.")
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No file at %(path)s.") % {"path": path})
        profile = profile_named(options["profile"])
        window = self._window(options["window"])
        zone = options["window_zone"]
        try:
            if zone:
                schedule.check_zone(zone)
            start = self._start(options["schedule"], zone)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        job = self._create(path, profile, options)
        job = self._import(job, options["mapping"])
        self._report(job)
        if options["import_only"]:
            return
        try:
            job = schedule.schedule(
                job, when=start, window_start=window[0], window_end=window[1], zone=zone
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            _("Job #%(id)s scheduled for %(when)s.")
            % {"id": job.pk, "when": job.scheduled_at.isoformat(timespec="seconds")}
        )

    def _window(self, value: str | None):
        if not value:
            return None, None
        try:
            start, end = (datetime.time.fromisoformat(part.strip()) for part in value.split("-"))
            schedule.check_window(start, end)
        except ValueError:
            raise CommandError(
                _("Write the window as HH:MM-HH:MM, e.g. 09:00-20:00 (got “%(value)s”).")
                % {"value": value}
            ) from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        return start, end

    def _start(self, value: str | None, zone: str | None):
        if not value:
            return None
        try:
            when = datetime.datetime.fromisoformat(value)
        except ValueError:
            raise CommandError(
                _("Write the start as an ISO time, e.g. 2026-12-01T09:00+01:00 (got “%(value)s”).")
                % {"value": value}
            ) from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=zoneinfo.ZoneInfo(zone or BulkJob().window_time_zone))
        return schedule.check_start(when)

    def _create(self, path: Path, profile, options) -> BulkJob:
        country = (options["country"] or "").upper()
        if country and not column_mapping.is_country(country):
            raise CommandError(_("“%(value)s” is not a country code.") % {"value": country})
        with path.open("rb") as handle:
            try:
                return create.create_job(
                    profile=profile,
                    name=options["name"] or path.name,
                    upload=File(handle, name=path.name),
                    default_country=country or None,
                    keep_duplicates=options["keep_duplicates"],
                )
            except FileProblem as exc:
                raise CommandError(str(exc)) from None

    def _import(self, job: BulkJob, pairs: list[str]) -> BulkJob:
        mapping = dict(job.mapping)
        for pair in pairs:
            column, sep, target = pair.partition("=")
            if not sep:
                raise CommandError(
                    _("Write a mapping as COLUMN=TARGET (got “%(value)s”).") % {"value": pair}
                )
            mapping[column.strip()] = "" if target.strip() == "ignore" else target.strip()
        problems = create.confirm_mapping(job, mapping)
        if problems:
            header = ", ".join(create.read_table(job).header)
            raise CommandError(
                " ".join(problems) + " " + _("Columns: %(columns)s.") % {"columns": header}
            )
        job = importer.run_import(job.pk)
        if job.status == BulkJob.Status.IMPORT_FAILED:
            raise CommandError(_("Import failed: %(reason)s") % {"reason": job.import_error})
        return job

    def _report(self, job: BulkJob) -> None:
        totals = job.totals
        self.stdout.write(
            _(
                "Job #%(id)s “%(name)s”: %(rows)s rows, %(messages)s messages (%(parts)s parts); "
                "%(rejected)s rejected, %(suppressed)s suppressed, %(duplicate)s duplicates."
            )
            % {
                "id": job.pk,
                "name": job.name,
                "rows": job.rows_total,
                "messages": totals.get("messages", 0),
                "parts": totals.get("parts", 0),
                "rejected": job.rows_rejected,
                "suppressed": job.rows_suppressed,
                "duplicate": job.rows_duplicate,
            }
        )
        for issue in job.issues.order_by("row", "pk")[:ISSUES_PRINTED]:
            column = f" [{issue.column}]" if issue.column else ""
            self.stdout.write(
                _("row %(row)s%(column)s: %(reason)s")
                % {"row": issue.row, "column": column, "reason": issue.message}
            )
