"""Importing a recipient file: good rows become queued messages, bad rows issues with their row,
column and reason; duplicates, the opt-out list and placeholders are applied per row."""

from __future__ import annotations

import pytest

from sending.jobs import importer, reader
from sending.models import BulkJob, Message, OptOut

from .conftest import issues, recipients

pytestmark = pytest.mark.django_db

HEADER = "Phone;First name;Language\n"


def test_it_queues_one_rendered_message_per_good_row(imported, make_profile):
    profile = make_profile(
        message="Your parcel is ready.", message_fr="Colis prêt.", multilingual=True
    )
    job = imported(HEADER + "+4915112345678;Ada;\n0151 12345679;Émile;fr\n", profile=profile)

    assert job.status == BulkJob.Status.READY
    assert job.mapping == {"Phone": "phone", "Language": "language"}  # no data object "First name"
    first, second = job.messages.order_by("row")
    assert (first.to, first.row, first.kind, first.status) == (
        "+4915112345678", 2, Message.Kind.BULK, Message.Status.QUEUED,
    )  # fmt: skip
    assert (first.text, first.language) == ("Your parcel is ready.", "en")
    assert (second.to, second.text, second.language) == ("+4915112345679", "Colis prêt.", "fr")
    assert first.time_zone == "Europe/Berlin"


def test_it_renders_placeholders_from_the_mapped_columns(imported, named_profile):
    mapping = {"Phone": "phone", "First name": "data:customer.first_name", "Language": "language"}
    content = HEADER + "+4915112345678;Ada;\n+33612345678;Émile;fr-CA\n"
    job = imported(content, mapping=mapping, profile=named_profile)

    texts = list(job.messages.order_by("row").values_list("text", "language", "data"))
    assert texts == [
        ("Hello Ada", "en", {"customer.first_name": "Ada"}),
        ("Bonjour Émile", "fr", {"customer.first_name": "Émile"}),
    ]


def test_it_reports_each_bad_row_with_its_column_and_reason(imported, named_profile):
    mapping = {"Phone": "phone", "First name": "data:customer.first_name", "Language": "language"}
    content = HEADER + (
        "+4915112345678;Ada;en\n"  # 2 good
        "12;Bob;en\n"  # 3 invalid number
        "+4915112345679;Cy;xx\n"  # 4 unknown language
        "+4915112345680;;en\n"  # 5 no first name
        ";Dee;en\n"  # 6 no number
        "\n"  # 7 blank: not a row
        "+4915112345681;Eve;de\n"  # 8 good
    )
    job = imported(content, mapping=mapping, profile=named_profile)

    assert issues(job) == [
        (3, "Phone", "invalid_number"),
        (4, "Language", "unknown_language"),
        (5, "First name", "missing_value"),
        (6, "Phone", "empty"),
    ]
    assert recipients(job) == [(2, "+4915112345678"), (8, "+4915112345681")]
    assert (job.rows_total, job.rows_imported, job.rows_rejected) == (6, 2, 4)
    reasons = dict(job.issues.values_list("row", "message"))
    assert "“12” is not a valid mobile number (default country DE)" in reasons[3]
    assert "“xx” is not one of the message languages" in reasons[4]
    assert "customer.first_name" in reasons[5]
    assert job.issues.get(row=3).value == "12"


def test_it_reports_a_nul_character_past_the_files_first_bytes_as_a_bad_row(
    imported, named_profile
):
    # The reader refuses a file with NUL in its first 64 KB; one further on reaches a cell,
    # which PostgreSQL could not store (text and JSON refuse NUL).
    mapping = {"Phone": "phone", "First name": "data:customer.first_name", "Language": "language"}
    filler = "".join(f"+49151{i:08d};Ann;en\n" for i in range(4000))  # past reader.SAMPLE_BYTES
    content = HEADER + filler + "+4915199999999;Bo\x00b;en\n+4915199999998;Cy;en\n"
    assert len(filler) > reader.SAMPLE_BYTES
    job = imported(content, mapping=mapping, profile=named_profile)

    assert issues(job) == [(4002, "First name", "invalid_message")]
    issue = job.issues.get()
    assert "NUL character" in issue.message and issue.value == "Bo\ufffdb"
    assert job.rows_imported == 4001 and job.messages.filter(to="+4915199999998").exists()


def test_it_reads_numbers_in_the_jobs_default_country(imported):
    job = imported("phone\n06 12 34 56 78\n0151 2345678\n", default_country="FR")
    assert recipients(job) == [(2, "+33612345678")]
    assert issues(job) == [(3, "phone", "invalid_number")]


def test_it_removes_duplicates_across_batches_and_names_the_first_row(imported):
    rows = ["+4915112345678", "+4915112345679", "0151 12345678", "+4915112345679"]
    job = imported("phone\n" + "\n".join(rows) + "\n", batch_size=2)

    assert recipients(job) == [(2, "+4915112345678"), (3, "+4915112345679")]
    assert issues(job) == [(4, "phone", "duplicate"), (5, "phone", "duplicate")]
    assert "(row 2)" in job.issues.get(row=4).message
    assert job.rows_duplicate == 2 and job.rows_rejected == 0


def test_it_keeps_duplicates_when_asked(imported):
    job = imported("phone\n+4915112345678\n+4915112345678\n", keep_duplicates=True)
    assert recipients(job) == [(2, "+4915112345678"), (3, "+4915112345678")]
    assert job.totals["recipients"] == 1 and job.totals["messages"] == 2


def test_it_leaves_out_numbers_on_the_opt_out_list(imported):
    OptOut.add("+4915112345679", source=OptOut.Source.KEYWORD, reason="STOP")
    job = imported("phone\n+4915112345678\n0151 12345679\n")

    assert recipients(job) == [(2, "+4915112345678")]
    assert issues(job) == [(3, "phone", "suppressed")]
    assert job.rows_suppressed == 1


def test_it_reports_a_message_too_long_for_the_profile(imported, make_profile):
    profile = make_profile(message="{{ customer.first_name }}", max_parts=1)
    mapping = {"phone": "phone", "name": "data:customer.first_name"}
    job = imported("phone,name\n+4915112345678,short\n+4915112345679," + "x" * 200 + "\n",
                   mapping=mapping, profile=profile)  # fmt: skip

    assert recipients(job) == [(2, "+4915112345678")]
    assert issues(job) == [(3, "", "too_long")]
    assert "needs 2 parts; this profile allows at most 1" in job.issues.get().message


def test_it_fails_a_file_with_a_header_and_no_rows(imported):
    job = imported("phone;name\n\n")
    assert job.status == BulkJob.Status.IMPORT_FAILED
    assert job.import_error == "The file has column names but no rows below them."


def test_it_fails_cleanly_when_the_file_breaks_half_way(imported):
    good = "".join(f"+491511234{n:04d},ok\n" for n in range(30))
    job = imported("phone,name\n" + good + '"' + "x" * 200_000 + '",y\n', batch_size=10)

    assert job.status == BulkJob.Status.IMPORT_FAILED
    assert "Line 32 cannot be read as CSV" in job.import_error
    assert job.messages.count() == 0 and job.issues.count() == 0


def test_it_refuses_more_rows_than_the_limit(imported, settings):
    settings.SMSPORTAL_BULK_MAX_ROWS = 2
    job = imported("phone\n+4915112345678\n+4915112345679\n")
    assert job.status == BulkJob.Status.READY
    job = imported("phone\n+4915112345678\n+4915112345679\n+4915112345670\n")
    assert job.status == BulkJob.Status.IMPORT_FAILED
    assert "more than 2 rows" in job.import_error


def test_it_writes_each_batch_before_reading_the_next(new_job, monkeypatch):
    job = new_job("phone\n" + "".join(f"+491511234{n:04d}\n" for n in range(25)))
    seen = []
    real_open = reader.open_table

    def spying_open(path, kind):
        table = real_open(path, kind)
        rows = table.rows

        def counted():
            for row, cells in rows():
                seen.append((row, Message.objects.filter(job=job).count()))
                yield row, cells

        table.rows = counted
        return table

    monkeypatch.setattr(importer, "open_table", spying_open)
    job.status = BulkJob.Status.IMPORTING
    job.save()
    job = importer.run_import(job.pk, batch_size=10)

    assert dict(seen)[2] == 0 and dict(seen)[12] == 10 and dict(seen)[22] == 20
    assert job.rows_imported == 25 and job.rows_read == 25


def test_it_writes_nothing_more_once_another_run_took_the_job_over(new_job, monkeypatch):
    job = new_job("phone\n" + "".join(f"+491511234{n:04d}\n" for n in range(25)))
    real_open = reader.open_table

    def taken_over_at_row_15(path, kind):
        table = real_open(path, kind)
        rows = table.rows

        def stream():
            for row, cells in rows():
                if row == 15:
                    BulkJob.objects.filter(pk=job.pk).update(import_claim="another-run")
                yield row, cells

        table.rows = stream
        return table

    monkeypatch.setattr(importer, "open_table", taken_over_at_row_15)
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.IMPORTING)
    importer.run_import(job.pk, batch_size=10)

    assert job.messages.count() == 10  # the batch of rows 12-21 was rolled back
    assert BulkJob.objects.get(pk=job.pk).status == BulkJob.Status.IMPORTING


def test_it_imports_a_job_only_while_it_is_importing(imported):
    job = imported("phone\n+4915112345678\n")
    again = importer.run_import(job.pk)
    assert again.status == BulkJob.Status.READY and again.messages.count() == 1


def test_it_inserts_a_batch_larger_than_one_statement_whole(imported, named_profile):
    rows = "".join(f"+491511{n:07d},Név{n}\n" for n in range(1234))
    mapping = {"phone": "phone", "name": "data:customer.first_name"}
    job = imported("phone,name\n" + rows, mapping=mapping, profile=named_profile)
    assert job.rows_imported == 1234 == job.messages.count()
    last = job.messages.get(row=1235)
    assert (last.to, last.text, last.data) == (
        "+4915110001233", "Hello Név1233", {"customer.first_name": "Név1233"},
    )  # fmt: skip
    assert last.status == Message.Status.QUEUED and last.created_at is not None
