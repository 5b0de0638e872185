"""Import a job's recipient file: stream its rows, check each, and insert the queued messages and
the row issues in batches, so a 1,000,000-row file imports in bounded memory.

`run_import(job_id)` is what the Celery task and `sendbulk` call. It takes the job with a claim
token; each batch is written in one transaction that first checks the job is still claimed by this
run, so a redelivered task (the first worker died) restarts cleanly and never doubles a row.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from sending.jobs import recipients, totals
from sending.jobs.insert import insert_messages
from sending.jobs.reader import FileProblem, open_table
from sending.models import BulkJob, ImportIssue, Message, OptOut

log = logging.getLogger(__name__)

BATCH_SIZE = 2000


class ClaimLost(Exception):
    """Another run of this import took the job over."""


@dataclass
class Counters:
    read: int = 0
    imported: int = 0
    rejected: int = 0
    suppressed: int = 0
    duplicate: int = 0

    def fields(self) -> dict[str, int]:
        return {
            "rows_read": self.read,
            "rows_imported": self.imported,
            "rows_rejected": self.rejected,
            "rows_suppressed": self.suppressed,
            "rows_duplicate": self.duplicate,
        }


def run_import(job_id: int, *, batch_size: int = BATCH_SIZE) -> BulkJob:
    token = uuid.uuid4().hex
    claimed = BulkJob.objects.filter(pk=job_id, status=BulkJob.Status.IMPORTING).update(
        import_claim=token
    )
    job = BulkJob.objects.select_related("profile").get(pk=job_id)
    if not claimed:
        return job
    try:
        _clear(job)
        table = open_table(job.source.path, job.source_kind)
        if table.rows_estimate:
            BulkJob.objects.filter(pk=job.pk).update(rows_total=table.rows_estimate)
        counters = _import_rows(job, table, token, batch_size)
        if counters.read == 0:
            raise FileProblem(_("The file has column names but no rows below them."))
    except ClaimLost:
        log.info("job %s: import taken over by another run", job.pk)
        return job
    except FileProblem as exc:
        return _fail(job, token, str(exc))
    except Exception as exc:
        log.exception("job %s: import failed", job.pk)
        return _fail(
            job,
            token,
            _("The import stopped on an unexpected error (%(error)s).")
            % {"error": exc.__class__.__name__},
        )
    summary = totals.compute(job)
    BulkJob.objects.filter(pk=job.pk, import_claim=token).update(
        status=BulkJob.Status.READY, rows_total=counters.read, totals=summary, **counters.fields()
    )
    job.refresh_from_db()
    return job


def _import_rows(job: BulkJob, table, token: str, batch_size: int) -> Counters:
    checker = recipients.RowChecker(job, table.header)
    counters = Counters()
    pending: list[recipients.Checked] = []
    max_rows = settings.SMSPORTAL_BULK_MAX_ROWS
    for row, cells in table.rows():
        if not any(cells):
            continue  # a blank line is not a recipient
        counters.read += 1
        if counters.read > max_rows:
            raise FileProblem(
                _("The file has more than %(limit)s rows; split it into several jobs.")
                % {"limit": max_rows}
            )
        pending.append(checker.check(row, cells))
        if len(pending) >= batch_size:
            _write_batch(job, checker, pending, counters, token)
            pending = []
    if pending:
        _write_batch(job, checker, pending, counters, token)
    return counters


def _write_batch(job, checker, pending, counters: Counters, token: str) -> None:
    issues = [issue for checked in pending for issue in checked.issues]
    counters.rejected += sum(1 for checked in pending if checked.issues)
    messages = [checked.message for checked in pending if checked.message is not None]
    numbers = {message.to for message in messages}
    blocked = {number for (number,) in _among(OptOut, "number", numbers, ["number"])}
    earlier: dict[str, int | None] = {}
    if not job.keep_duplicates:
        earlier = dict(_among(Message, "to", numbers - blocked, ["to", "row"], job_id=job.pk))
    keep = []
    for message in messages:
        if message.to in blocked:
            issues.append(recipients.suppressed_issue(checker, message))
            counters.suppressed += 1
        elif not job.keep_duplicates and message.to in earlier:
            issues.append(recipients.duplicate_issue(checker, message, earlier[message.to]))
            counters.duplicate += 1
        else:
            earlier[message.to] = message.row
            keep.append(message)
    counters.imported += len(keep)
    with transaction.atomic():
        # The UPDATE comes first: it locks the job row, so a run that lost the claim stops here
        # and its batch is rolled back.
        if not BulkJob.objects.filter(pk=job.pk, import_claim=token).update(**counters.fields()):
            raise ClaimLost
        insert_messages(keep)
        ImportIssue.objects.bulk_create(issues, batch_size=1000)


def _among(model, column: str, values: set[str], select: list[str], job_id: int | None = None):
    """Rows of `model` whose `column` is one of `values` (and of the job): one statement on the
    (job, to) or unique number index, without the ORM preparing each of a batch's values."""
    if not values:
        return []
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        where, params = f"{quote(column)} = ANY(%s)", [list(values)]
    else:
        where, params = f"{quote(column)} IN ({', '.join(['%s'] * len(values))})", list(values)
    if job_id is not None:
        where, params = f"job_id = %s AND {where}", [job_id, *params]
    columns = ", ".join(quote(name) for name in select)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE {where}", params)
        return cursor.fetchall()


def _clear(job: BulkJob) -> None:
    """Remove what an earlier run of this import wrote (in chunks: a job may hold millions)."""
    for model in (Message, ImportIssue):
        while True:
            ids = list(model.objects.filter(job=job).values_list("pk", flat=True)[:5000])
            if not ids:
                break
            model.objects.filter(pk__in=ids).delete()


def _fail(job: BulkJob, token: str, reason: str) -> BulkJob:
    if BulkJob.objects.filter(pk=job.pk, import_claim=token).exists():
        _clear(job)
        BulkJob.objects.filter(pk=job.pk, import_claim=token).update(
            status=BulkJob.Status.IMPORT_FAILED,
            import_error=reason,
            rows_imported=0,
            totals={},
        )
    job.refresh_from_db()
    return job
