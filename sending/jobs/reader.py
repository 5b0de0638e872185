"""Read a recipient file as a header and a stream of rows, whatever it is: CSV with any delimiter
in UTF-8 (with or without BOM), UTF-16 or Latin-1, XLSX (openpyxl, read-only), or pasted numbers.

Everything that makes a file unreadable is a FileProblem whose message can be shown as it is;
nothing here loads a whole file into memory.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

SAMPLE_BYTES = 64 * 1024
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000
# An XLSX whose members unpack to more than this, or a member packed more than ZIP_RATIO times,
# is refused before openpyxl opens it: a zip bomb fills the memory or the disk otherwise.
ZIP_MAX_UNPACKED = 1024 * 1024 * 1024
ZIP_RATIO = 200
ZIP_RATIO_FLOOR = 20 * 1024 * 1024
DELIMITERS = ",;\t|"
_PHONE_LIKE = re.compile(r"^\s*\+?[\d\s().\-/]{6,}\s*$")


class FileProblem(ValueError):
    """The file cannot be read as a recipient list; str() says why, for the user."""


@dataclass
class Table:
    kind: str  # "csv", "xlsx" or "pasted"
    header: list[str]
    encoding: str = ""
    delimiter: str = ""
    has_header: bool = True
    rows_estimate: int | None = None
    _opener: object = field(default=None, repr=False)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number as the user sees it, cells) for every row after the header."""
        return self._opener()


def open_table(path: str | Path, kind: str) -> Table:
    path = Path(path)
    if path.stat().st_size == 0:
        raise FileProblem(_("The file is empty."))
    if kind == "xlsx":
        return _open_xlsx(path)
    if kind == "pasted":
        return _open_pasted(path)
    return _open_csv(path)


def kind_for_name(name: str) -> str:
    return "xlsx" if name.lower().endswith((".xlsx", ".xlsm")) else "csv"


# CSV ---------------------------------------------------------------------------------------------


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if sample.startswith(b"PK\x03\x04"):
        raise FileProblem(
            _("This file is a zip archive (perhaps an Excel file); save it as .xlsx or as CSV.")
        )
    if b"\x00" in sample:
        raise FileProblem(
            _("This is not a text file: it contains binary data. Upload CSV or XLSX.")
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        encoding = "latin-1"
    else:
        return "utf-8"
    text = sample.decode(encoding)
    # Latin-1 decodes any byte; text full of control characters is binary garbage, not a list.
    controls = sum(
        1 for char in text if (ord(char) < 32 and char not in "\r\n\t") or "\x7f" <= char <= "\x9f"
    )
    if controls > len(text) / 100:
        raise FileProblem(
            _("This is not a text file: it is neither UTF-8 nor Latin-1 text. Upload CSV or XLSX.")
        )
    return encoding


def _detect_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) > 1:
        lines = lines[:-1]  # the sample may end in the middle of a line
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    counts = {d: lines[0].count(d) for d in DELIMITERS} if lines else {}
    best = max(counts, key=counts.get, default=",")
    return best if counts.get(best) else ","


def _open_csv(path: Path) -> Table:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    encoding = _detect_encoding(sample)
    text = sample.decode(encoding, errors="ignore")
    if not text.strip():
        raise FileProblem(_("The file is empty."))
    delimiter = _detect_delimiter(text)

    def read() -> Iterator[tuple[int, list[str]]]:
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            try:
                # Row numbers count records as a spreadsheet shows them (a blank line is a row).
                for number, cells in enumerate(reader, start=1):
                    yield number, [_cell(cell) for cell in cells[:MAX_COLUMNS]]
            except csv.Error as exc:
                raise FileProblem(
                    _("Line %(line)s cannot be read as CSV (%(error)s).")
                    % {"line": reader.line_num, "error": exc}
                ) from exc
            except UnicodeDecodeError as exc:
                raise FileProblem(
                    _("Line %(line)s is not %(encoding)s text; save the file as UTF-8.")
                    % {"line": reader.line_num + 1, "encoding": encoding}
                ) from exc

    table = Table("csv", [], encoding=encoding, delimiter=delimiter, _opener=read)
    return _with_header(table, read, estimate=_estimate_lines(path, sample))


def _estimate_lines(path: Path, sample: bytes) -> int | None:
    lines = sample.count(b"\n")
    if not lines:
        return 1
    return int(path.stat().st_size / (len(sample) / lines))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into a spreadsheet cell: 4915112345678.0
    elif isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time() else value
    if isinstance(value, datetime.date | datetime.time):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = format(value, "f")
    return str(value).strip()[:MAX_CELL_CHARS]


def looks_like_phone(value: str) -> bool:
    return bool(_PHONE_LIKE.match(value)) and sum(char.isdigit() for char in value) >= 6


def _with_header(table: Table, read, *, estimate: int | None) -> Table:
    """Take the first non-blank row as the header. A one-column list of numbers without one
    reads as a column named "phone"; a wider table without one is refused."""
    rows = read()
    try:
        for _number, cells in rows:
            if any(cells):
                first = cells
                break
        else:
            raise FileProblem(_("The file has no rows."))
    finally:
        rows.close()
    phone_cells = [cell for cell in first if looks_like_phone(cell)]
    if phone_cells:
        if len([cell for cell in first if cell]) > 1:
            raise FileProblem(
                _(
                    "The first row holds data (“%(value)s”), not column names. Add a header row "
                    "naming the columns, for example: phone, language, customer.first_name."
                )
                % {"value": phone_cells[0][:40]}
            )
        table.has_header = False
        table.header = ["phone"]
    else:
        while first and not first[-1]:
            first = first[:-1]  # trailing empty cells ("a,b,") name no column
        table.header = unique_names(first)
    table.rows_estimate = estimate

    def body() -> Iterator[tuple[int, list[str]]]:
        seen_header = not table.has_header
        for number, cells in read():
            if not seen_header:
                seen_header = any(cells)
                continue
            yield number, cells

    table._opener = body
    return table


def unique_names(cells: list[str]) -> list[str]:
    names: list[str] = []
    for index, cell in enumerate(cells, start=1):
        name = (cell or "").strip()[:100] or _("Column %(number)s") % {"number": index}
        base, count = name, 2
        while name in names:
            name, count = f"{base} ({count})", count + 1
        names.append(name)
    return names


# XLSX --------------------------------------------------------------------------------------------


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileProblem(_("This is not a valid XLSX file (it is not a zip archive).")) from exc
    unpacked = sum(member.file_size for member in members)
    bomb = any(
        member.file_size > ZIP_RATIO_FLOOR
        and member.file_size > ZIP_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if bomb or unpacked > ZIP_MAX_UNPACKED or len(members) > 10_000:
        raise FileProblem(
            _(
                "This XLSX file unpacks to %(size)s MB, far more than its data needs; it is "
                "refused as a possible zip bomb. Save the sheet again or upload it as CSV."
            )
            % {"size": unpacked // (1024 * 1024)}
        )


def _open_xlsx(path: Path) -> Table:
    _check_zip(path)
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    def load():
        try:
            return openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise FileProblem(
                _("This XLSX file cannot be opened (%(error)s).") % {"error": exc}
            ) from exc

    workbook = load()
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise FileProblem(_("The workbook has no sheet."))
        estimate = sheet.max_row if isinstance(sheet.max_row, int) else None
        width = sheet.max_column if isinstance(sheet.max_column, int) else MAX_COLUMNS
    finally:
        workbook.close()
    max_rows = settings.SMSPORTAL_BULK_MAX_ROWS + 1

    def read() -> Iterator[tuple[int, list[str]]]:
        book = load()
        try:
            rows = book.worksheets[0].iter_rows(
                max_col=min(width, MAX_COLUMNS), max_row=max_rows, values_only=True
            )
            for number, values in enumerate(rows, start=1):
                yield number, [_cell(value) for value in values]
        except (ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            raise FileProblem(_("This XLSX file is damaged (%(error)s).") % {"error": exc}) from exc
        finally:
            book.close()

    return _with_header(Table("xlsx", []), read, estimate=estimate)


# Pasted numbers ----------------------------------------------------------------------------------

_PASTE_SPLIT = re.compile(r"[\r\n,;\t]+")


def _open_pasted(path: Path) -> Table:
    def read() -> Iterator[tuple[int, list[str]]]:
        with path.open(encoding="utf-8", errors="replace") as handle:
            number = 0
            for line in handle:
                for value in _PASTE_SPLIT.split(line):
                    if value.strip():
                        number += 1
                        yield number, [value.strip()[:MAX_CELL_CHARS]]

    return Table("pasted", ["phone"], encoding="utf-8", has_header=False, _opener=read)
