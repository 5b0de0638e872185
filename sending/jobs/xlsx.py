"""A one-sheet XLSX written row by row into a zip as it goes: the few SpreadsheetML parts a
spreadsheet program needs, each row's cells written as XML text.

openpyxl's write-only mode builds and serialises an element per cell through et_xmlfile's
pure-Python serialiser (lxml is not installed): nine tenths of an export's time, measured with
bench/export.py. Here a row is one string. Text is an inline string, so it is never a formula
whatever it starts with; a datetime is a serial number with a date format (wall-clock time: give
naive datetimes); numbers are numbers; the header row is bold. tests/sending/jobs/
test_job_export.py reads the files back with openpyxl.
"""

from __future__ import annotations

import datetime
import math
import zipfile
from xml.sax.saxutils import escape, quoteattr

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_BOLD, _DATETIME = 1, 2  # indexes into cellXfs below
_STATIC = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
        f'Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_RELS}/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_MAIN}"><numFmts count="1">'
        '<numFmt numFmtId="164" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="3">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</cellStyles></styleSheet>"
    ),
}
_FLUSH_ROWS = 500
_TEXT = '<is><t xml:space="preserve">{}</t></is></c>'


class SheetWriter:
    """`with SheetWriter(binary_file, title) as sheet: sheet.append(values)`; the file holds the
    finished workbook once the block ends (it is not closed)."""

    def __init__(self, output, title: str):
        self._zip = zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED)
        for name, body in _STATIC.items():
            self._zip.writestr(name, _HEAD + body)
        workbook = (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>'
            f'<sheet name={quoteattr(title[:31])} sheetId="1" r:id="rId1"/></sheets></workbook>'
        )
        self._zip.writestr("xl/workbook.xml", _HEAD + workbook)
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self._pending = [_HEAD, f'<worksheet xmlns="{_MAIN}"><sheetData>']
        self._rows = 0
        self._columns: list[str] = []

    def __enter__(self) -> SheetWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def append(self, values, *, bold: bool = False) -> None:
        self._rows += 1
        row = self._rows
        while len(self._columns) < len(values):
            self._columns.append(get_column_letter(len(self._columns) + 1))
        style = f' s="{_BOLD}"' if bold else ""
        cells = [
            _cell(f"{column}{row}", value, style)
            for column, value in zip(self._columns, values, strict=False)
            if value is not None
        ]
        self._pending.append(f'<row r="{row}">{"".join(cells)}</row>')
        if len(self._pending) >= _FLUSH_ROWS:
            self._flush()

    def close(self) -> None:
        self._pending.append("</sheetData></worksheet>")
        self._flush()
        self._sheet.close()
        self._zip.close()

    def _flush(self) -> None:
        self._sheet.write("".join(self._pending).encode("utf-8"))
        self._pending = []


def _cell(reference: str, value, style: str) -> str:
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"{style}><v>{int(value)}</v></c>'
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return f'<c r="{reference}"{style}><v>{value!r}</v></c>'
    if isinstance(value, datetime.datetime):
        return f'<c r="{reference}" s="{_DATETIME}"><v>{to_excel(value)!r}</v></c>'
    text = escape(ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value)))
    return f'<c r="{reference}" t="inlineStr"{style}>' + _TEXT.format(text)
