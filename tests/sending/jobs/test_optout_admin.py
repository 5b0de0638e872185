"""The opt-out list in the admin: add by hand, import a file of numbers, export CSV."""

from __future__ import annotations

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sending.models import OptOut

pytestmark = pytest.mark.django_db


def test_it_adds_a_number_in_e164_and_refuses_it_twice(client, superuser):
    client.force_login(superuser)
    url = reverse("admin:sending_optout_add")
    assert client.post(url, {"number": "0151 12345678", "reason": "asked"}).status_code == 302
    entry = OptOut.objects.get()
    assert (entry.number, entry.source, entry.created_by) == ("+4915112345678", "manual", superuser)
    page = client.post(url, {"number": "+49 151 12345678"}).content.decode()
    assert "+4915112345678 is on the list already." in page
    assert (
        "“12” is not a valid mobile number." in client.post(url, {"number": "12"}).content.decode()
    )


def test_it_adds_an_entry_once_whatever_the_source(db):
    first = OptOut.add("+4915112345678", source=OptOut.Source.KEYWORD, reason="STOP")
    again = OptOut.add("+4915112345678", source=OptOut.Source.IMPORT)
    assert first.pk == again.pk and OptOut.objects.get().source == "keyword"
    assert OptOut.is_suppressed("+4915112345678") and not OptOut.is_suppressed("+4915112345679")


def test_it_imports_a_csv_of_numbers_and_counts_what_it_did(client, superuser):
    OptOut.add("+4915112345678")
    client.force_login(superuser)
    content = (
        b"Name;Mobile\nAda;+4915112345678\nBob;0151 12345679\nCy;nonsense\nDee;0151 12345679\n"
    )
    response = client.post(
        reverse("admin:sending_optout_import"),
        {
            "file": SimpleUploadedFile("stop.csv", content),
            "default_country": "DE",
            "reason": "list",
        },
        follow=True,
    )
    assert "1 numbers added; 2 were on the list already; 1 are not valid numbers." in (
        response.content.decode()
    )
    assert OptOut.objects.get(number="+4915112345679").source == "import"


def test_it_imports_the_first_column_of_an_xlsx_without_a_phone_header(client, superuser, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Numbers to stop"])
    book.active.append([33612345678.0])
    book.active.append(["+33612345679"])
    book.save(tmp_path / "stop.xlsx")
    client.force_login(superuser)
    client.post(
        reverse("admin:sending_optout_import"),
        {"file": SimpleUploadedFile("stop.xlsx", (tmp_path / "stop.xlsx").read_bytes()),
         "default_country": "FR"},
    )  # fmt: skip
    assert sorted(OptOut.objects.values_list("number", flat=True)) == [
        "+33612345678", "+33612345679",
    ]  # fmt: skip


def test_it_explains_an_unreadable_import_file(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:sending_optout_import"),
        {"file": SimpleUploadedFile("stop.csv", b"\x00\x01binary"), "default_country": "DE"},
    )
    assert response.status_code == 200 and "This is not a text file" in response.content.decode()


def test_it_exports_the_list_as_csv(client, superuser):
    OptOut.add("+4915112345678", source=OptOut.Source.KEYWORD, reason="STOP")
    client.force_login(superuser)
    response = client.get(reverse("admin:sending_optout_export"))
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "number,source,reason,added"
    assert lines[1].startswith("+4915112345678,keyword,STOP,")
    page = client.get(reverse("admin:sending_optout_changelist")).content.decode()
    assert "Import numbers" in page and "Export CSV" in page
