"""Recipient files of every shape read as a header and rows; unreadable ones say why."""

from __future__ import annotations

import io
import os
import zipfile

import openpyxl
import pytest

from sending.jobs.reader import FileProblem, open_table


def _write(tmp_path, data: bytes, name="list.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _read(tmp_path, data: bytes, kind="csv"):
    table = open_table(_write(tmp_path, data), kind)
    return table, list(table.rows())


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_it_finds_the_delimiter(tmp_path, delimiter):
    text = delimiter.join(["phone", "customer.first_name", "language"]) + "\n"
    text += delimiter.join(["+4915112345678", "Ada, the first", "fr"]) + "\n"
    text = text.replace("Ada, the first", '"Ada, the first"' if delimiter == "," else "Ada")
    table, rows = _read(tmp_path, text.encode())
    assert table.delimiter == delimiter
    assert table.header == ["phone", "customer.first_name", "language"]
    assert rows[0][0] == 2 and rows[0][1][0] == "+4915112345678"


def test_it_reads_utf8_with_a_bom(tmp_path):
    table, rows = _read(tmp_path, "\ufeffphone;name\n+4915112345678;Zoë\n".encode())
    assert table.encoding == "utf-8-sig"
    assert table.header == ["phone", "name"]
    assert rows == [(2, ["+4915112345678", "Zoë"])]


def test_it_detects_latin1(tmp_path):
    table, rows = _read(tmp_path, "phone;name\n+4915112345678;Jürgen Müßig\n".encode("latin-1"))
    assert table.encoding == "latin-1"
    assert rows[0][1][1] == "Jürgen Müßig"


def test_it_reads_utf16_as_excel_saves_unicode_text(tmp_path):
    table, rows = _read(tmp_path, "phone\tname\n+4915112345678\tÉlodie\n".encode("utf-16"))
    assert table.delimiter == "\t"
    assert rows[0][1] == ["+4915112345678", "Élodie"]


def test_it_reads_xlsx_with_numbers_typed_as_numbers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Phone", "First name"])
    sheet.append([4915112345678, "Ada"])
    sheet.append([None, None])
    sheet.append(["+33612345678", "Émile"])
    book.save(tmp_path / "list.xlsx")
    table = open_table(tmp_path / "list.xlsx", "xlsx")
    assert table.header == ["Phone", "First name"]
    assert list(table.rows()) == [
        (2, ["4915112345678", "Ada"]),
        (3, ["", ""]),
        (4, ["+33612345678", "Émile"]),
    ]


def test_it_splits_pasted_numbers_on_lines_commas_and_semicolons(tmp_path):
    data = b"+4915112345678\n+33 6 12 34 56 78, 0151 2345678;\n\n"
    table, rows = _read(tmp_path, data, kind="pasted")
    assert table.header == ["phone"]
    assert rows == [(1, ["+4915112345678"]), (2, ["+33 6 12 34 56 78"]), (3, ["0151 2345678"])]


def test_it_reads_a_single_column_of_numbers_without_a_header(tmp_path):
    table, rows = _read(tmp_path, b"+4915112345678\n+4915112345679\n")
    assert table.header == ["phone"] and not table.has_header
    assert [row for row, _cells in rows] == [1, 2]


def test_it_names_empty_and_repeated_header_cells(tmp_path):
    table, _rows = _read(tmp_path, b"phone,,name,name\n+4915112345678,x,a,b\n")
    assert table.header == ["phone", "Column 2", "name", "name (2)"]


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "The file is empty."),
        (b"\n\n  \n", "The file is empty."),
        (b"\xef\xbb\xbf", "The file is empty."),
        (b"+4915112345678;Ada;fr\n", "The first row holds data (“+4915112345678”), not column"),
        (b"phone,name\x00\x01\x02\x03binary", "This is not a text file: it contains binary data."),
        (b"PK\x03\x04\x14\x00rest of a zip", "This file is a zip archive"),
    ],
)
def test_it_refuses_unreadable_csv_with_a_reason(tmp_path, data, reason):
    with pytest.raises(FileProblem) as error:
        open_table(_write(tmp_path, data), "csv")
    assert reason in str(error.value)


def test_it_refuses_random_bytes(tmp_path):
    garbage = bytes(byte for byte in os.urandom(300_000) if byte)  # no NUL: only the bytes judge
    with pytest.raises(FileProblem, match="neither UTF-8 nor Latin-1 text"):
        open_table(_write(tmp_path, garbage), "csv")


def test_it_reports_a_line_too_long_for_csv_as_a_problem_not_a_crash(tmp_path):
    data = b"phone,name\n+4915112345678,ok\n" + b'"' + b"x" * 200_000 + b'",y\n'
    table = open_table(_write(tmp_path, data), "csv")
    with pytest.raises(FileProblem, match="Line 3 cannot be read as CSV"):
        list(table.rows())


def test_it_refuses_an_xlsx_that_is_a_zip_bomb_before_opening_it(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"<row>" + b" " * (1024 * 1024) + b"</row>"
            for _ in range(60):  # 60 MB of spaces packs into about 60 KB
                member.write(chunk)
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(FileProblem, match="refused as a possible zip bomb"):
        open_table(path, "xlsx")


def test_it_accepts_a_well_packed_xlsx_below_the_bomb_ratio(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["phone", "text"])
    for number in range(2000):
        book.active.append([f"+49151{number:08d}", "same text in every row"])
    book.save(tmp_path / "big.xlsx")
    assert len(list(open_table(tmp_path / "big.xlsx", "xlsx").rows())) == 2000


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"just text, not a zip", "This is not a valid XLSX file"),
        (b"PK\x03\x04" + b"\x00" * 100, "This is not a valid XLSX file"),
    ],
)
def test_it_refuses_a_broken_xlsx_with_a_reason(tmp_path, data, reason):
    with pytest.raises(FileProblem, match=reason):
        open_table(_write(tmp_path, data, "list.xlsx"), "xlsx")


def test_it_refuses_a_zip_that_is_not_a_workbook(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with pytest.raises(FileProblem, match="This XLSX file cannot be opened"):
        open_table(_write(tmp_path, buffer.getvalue(), "list.xlsx"), "xlsx")
