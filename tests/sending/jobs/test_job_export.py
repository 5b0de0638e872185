"""Export of a job's messages: CSV and XLSX read back, the state filter, streaming, and a query
count that grows with the chunks, never with the rows."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile

import openpyxl
import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sending.jobs import export, xlsx
from sending.models import Message
from tests.sending.jobs.watch_helpers import add_messages, add_parts, make_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(make_profile):
    job = make_job(make_profile(), {"sent": 2})
    add_messages(job, {"failed": 1}, error_code="ESME_RINVDSTADR", error_reason="invalid number")
    add_messages(job, {"queued": 1})
    first, second = job.messages.filter(status="sent").order_by("row")
    add_parts(first, "id-1a", "id-1b")
    add_parts(second, "id-2")
    Message.objects.filter(pk=second.pk).update(text='=HYPERLINK("x") é ü')
    return job


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_it_exports_every_message_as_csv(client, superuser, job):
    client.force_login(superuser)
    response = client.get(reverse("admin:sending_bulkjob_export_csv", args=[job.pk]))
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, *rows = _csv(response)
    assert header[:7] == ["row", "recipient", "language", "text", "parts", "state", "provider ids"]
    assert [row[5] for row in rows] == ["sent", "sent", "failed", "queued"]
    assert rows[0][6] == "id-1a id-1b" and rows[1][6] == "id-2" and rows[2][6] == ""
    assert rows[1][3] == '=HYPERLINK("x") é ü'
    assert rows[2][8:10] == ["ESME_RINVDSTADR", "invalid number"]
    assert rows[0][11] and "T" in rows[0][11]  # sent, ISO 8601
    assert rows[3][11] == ""  # a queued message was not sent


def test_it_exports_only_the_chosen_states(client, superuser, job):
    client.force_login(superuser)
    url = reverse("admin:sending_bulkjob_export_csv", args=[job.pk])
    _header, *rows = _csv(client.get(url, {"state": ["failed", "queued"]}))
    assert sorted(row[5] for row in rows) == ["failed", "queued"]


def test_it_refuses_an_unknown_state_with_a_message(client, superuser, job):
    client.force_login(superuser)
    url = reverse("admin:sending_bulkjob_export_csv", args=[job.pk])
    response = client.get(url, {"state": "nonsense"}, follow=True)
    assert response.status_code == 200
    assert "Choose states from the list to export." in response.content.decode()


def test_it_exports_xlsx_with_text_that_is_never_a_formula(client, superuser, job):
    client.force_login(superuser)
    url = reverse("admin:sending_bulkjob_export_xlsx", args=[job.pk])
    response = client.get(url, {"state": ["sent"]})
    assert response.streaming
    assert f"job-{job.pk}-messages.xlsx" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    header, *rows = list(workbook.active.iter_rows(values_only=True))
    assert header[1] == "recipient"
    assert [(row[5], row[6]) for row in rows] == [("sent", "id-1a id-1b"), ("sent", "id-2")]
    cell = workbook.active.cell(row=3, column=4)
    assert cell.value == '=HYPERLINK("x") é ü' and cell.data_type == "s"
    assert rows[0][10] is not None and rows[0][10].tzinfo is None  # local wall-clock time


def test_the_sheet_writer_keeps_every_kind_of_value_and_a_bold_header(tmp_path):
    path = tmp_path / "sheet.xlsx"
    when = datetime.datetime(2026, 12, 1, 23, 59, 58)
    with path.open("wb") as output, xlsx.SheetWriter(output, "Nachrichten & <more>") as sheet:
        sheet.append(["row", "text"], bold=True)
        sheet.append([2, "a < b & c > d", 1.5, True, when, None, "  spaced  ", "bell\x07"])
        sheet.append(["=1+1"])
    assert zipfile.ZipFile(path).testzip() is None

    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Nachrichten & <more>"]
    cells = workbook.active
    assert cells["A1"].font.bold and not cells["A2"].font.bold
    assert [cell.value for cell in cells[2]] == [
        2, "a < b & c > d", 1.5, True, when, None, "  spaced  ", "bell\ufffd",
    ]  # fmt: skip
    assert cells["A3"].value == "=1+1" and cells["A3"].data_type == "s"


def test_it_reads_in_chunks_not_one_query_per_row(make_profile):
    def queries(count: int, chunk: int) -> int:
        job = make_job(make_profile(), {"sent": count})
        for message in job.messages.all()[:count]:
            add_parts(message, f"p{message.pk}")
        with CaptureQueriesContext(connection) as captured:
            assert sum(1 for _ in export.csv_lines(job, chunk_size=chunk)) == count + 1
        return len(captured)

    small, large = queries(10, 10), queries(100, 10)
    assert small <= 3  # the messages, then their parts
    assert large <= small + 2 * 9  # two queries per further chunk of ten, none per row
    assert queries(100, 100) == small
