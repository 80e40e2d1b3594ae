"""The one builder of submission files for tests: workbooks (contract §2.1) and long CSV files (§2.2).

Workbooks are written with openpyxl from a sheet given as rows (``grid`` builds the usual one, ``xlsx``
writes any), CSV with the csv module (``csv_bytes``). ``workbook_bytes``, ``write_workbook`` and
``write_csv`` write the same files from rows given as dicts (``complete_rows``); the other helpers edit a
workbook's parts to build the files a spreadsheet program, or a hostile sender, would produce.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from scorecard.catalog import Catalog
from scorecard.vocabulary import Kind

HEADER = ["指标代码", "计量单位", "数值", "分子", "分母", "备注"]
"""Default table header: code in A, measure unit in B, value in C, numerator in D, denominator in E."""
CSV_HEADER = ["unit_code", "period", "indicator_code", "value", "numerator", "denominator", "note"]
SHEET = "填报表"


# --- rows ------------------------------------------------------------------------------------------------

def filled_rows(cat: Catalog, unit_code: str, skip: Sequence[str] = ()) -> list[list[object]]:
    """A correct table row (in HEADER's column order) for every indicator applying to the unit."""
    rows: list[list[object]] = []
    for indicator in cat.applicable(cat.units[unit_code]):
        if indicator.code in skip:
            continue
        if indicator.kind == Kind.RATIO:
            rows.append([indicator.code, None, None, 30, 1000, None])
        else:
            rows.append([indicator.code, None, 10, None, None, None])
    return rows


def complete_rows(catalog: Catalog, unit_code: str, month: int, scale: float = 1.0) -> list[dict]:
    """Plausible year-to-date rows of every applicable indicator for ``month`` (cumulative flows grow)."""
    unit = catalog.units[unit_code]
    rows = []
    for indicator in catalog.applicable(unit):
        if indicator.kind == Kind.RATIO:
            rows.append({"indicator_code": indicator.code, "numerator": 10.0 * month * scale,
                         "denominator": 400.0 * month})
        elif indicator.kind == Kind.FLOW:
            rows.append({"indicator_code": indicator.code, "value": round(2.0 * month * scale, 2)})
        else:
            rows.append({"indicator_code": indicator.code, "value": 20.0 * scale})
    return rows


def table_row(row: Mapping[str, object]) -> list[object]:
    """A row given as a dict (``complete_rows``) in HEADER's column order."""
    return [row["indicator_code"], row.get("measure_unit"), row.get("value"), row.get("numerator"),
            row.get("denominator"), row.get("note")]


# --- workbooks -------------------------------------------------------------------------------------------

def grid(
    cat: Catalog, unit: object = "C03", period: object = "2026-09", rows: list[list[object]] | None = None,
    submitted_at: datetime | None = None,
) -> list[list[object]]:
    """A complete submission sheet: metadata from row 1 (unit, period, and the filling time if given), a
    blank row, the header, and the table under it (by default a correct row of every applicable indicator)."""
    return _sheet(unit, period, filled_rows(cat, str(unit)) if rows is None else rows, submitted_at)


def _sheet(unit: object, period: object, rows: list[list[object]],
           submitted_at: datetime | None) -> list[list[object]]:
    meta = [["单位代码", unit], ["报告期", period], *([["填报时间", submitted_at]] if submitted_at else [])]
    return [*meta, [], list(HEADER), *rows]


def excel_row(sheet: list[list[object]], code: str) -> int:
    """The 1-based sheet row holding ``code`` in column A."""
    return next(n for n, row in enumerate(sheet, start=1) if row and row[0] == code)


def set_cell(sheet: list[list[object]], code: str, column: int, value: object) -> list[list[object]]:
    """Set the ``column`` (0-based) of the row of ``code``; returns the sheet for chaining."""
    sheet[excel_row(sheet, code) - 1][column] = value
    return sheet


def xlsx(sheet: list[list[object]], title: str = SHEET, before: Sequence[tuple[str, str]] = ()) -> bytes:
    """A workbook with ``sheet`` written from A1, after the sheets ``before`` ((title, state) pairs)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for other, state in before:
        decoy = book.create_sheet(other)
        decoy.append(["单位代码", "C01"])
        decoy.sheet_state = state
    target = book.create_sheet(title)
    for row in sheet:
        target.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook_bytes(unit_code: str, period: str, rows: list[dict], submitted_at: datetime | None = None,
                   sheet: str = SHEET) -> bytes:
    """A workbook with the Chinese metadata block and table of contract §2.1, rows given as dicts."""
    return xlsx(_sheet(unit_code, period, [table_row(row) for row in rows], submitted_at), title=sheet)


def write_workbook(path: Path, unit_code: str, period: str, rows: list[dict],
                   submitted_at: datetime | None = None, sheet: str = SHEET) -> Path:
    """``workbook_bytes`` saved at ``path``."""
    path.write_bytes(workbook_bytes(unit_code, period, rows, submitted_at, sheet))
    return path


# --- the parts of a workbook -----------------------------------------------------------------------------

def edit_xml(data: bytes, pattern: str, replacement: str, part: str = "xl/worksheets/sheet1.xml",
             count: int = 1) -> bytes:
    """Rewrite one XML part of a workbook with a regex (to add cached values, prefixes …)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == part:
                content, hits = re.subn(pattern.encode(), replacement.encode(), content)
                assert hits == count or (count == 0 and hits), f"the edit hit {hits} places"
            target.writestr(item, content)
    return out.getvalue()


def parts(data: bytes) -> dict[str, bytes]:
    """The parts of a zip archive (a workbook), by name, in archive order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zip_bytes(contents: Mapping[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive of ``contents`` (part name -> bytes), compressed with ``method``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, content in contents.items():
            archive.writestr(name, content)
    return out.getvalue()


def with_part(data: bytes, name: str, content: bytes) -> bytes:
    """The workbook ``data`` rebuilt with the part ``name`` replaced by ``content`` (or added)."""
    return zip_bytes({**parts(data), name: content})


def declare_size(data: bytes, name: str, size: int, crc: int | None = None) -> bytes:
    """The archive with ``name`` declaring ``size`` uncompressed bytes (and ``crc``) in its local and central
    headers."""
    out = bytearray(data)
    local = zipfile.ZipFile(io.BytesIO(data)).getinfo(name).header_offset
    at = struct.unpack_from("<I", data, data.rfind(b"PK\x05\x06") + 16)[0]  # the central directory
    while data[at + 46:at + 46 + struct.unpack_from("<H", data, at + 28)[0]] != name.encode():
        at = data.index(b"PK\x01\x02", at + 46)
    for header in (local + 4, at + 6):  # both have the CRC 10 bytes, the size 18 bytes further
        struct.pack_into("<I", out, header + 18, size)
        if crc is not None:
            struct.pack_into("<I", out, header + 10, crc)
    return bytes(out)


# --- CSV -------------------------------------------------------------------------------------------------

def csv_records(cat: Catalog, unit: str = "C03", period: str = "2026-09") -> list[list[object]]:
    """Correct CSV records (CSV_HEADER order) of one unit and period."""
    return [[unit, period, r[0], r[2], r[3], r[4], r[5]] for r in filled_rows(cat, unit)]


def csv_bytes(
    records: Sequence[Sequence[object]], header: Sequence[str] = CSV_HEADER, encoding: str = "utf-8"
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in record] for record in records)
    return buffer.getvalue().encode(encoding)


def write_csv(path: Path, groups: list[tuple[str, str, list[dict]]], encoding: str = "utf-8") -> Path:
    """A long CSV (contract §2.2) holding one group of rows (dicts) per (unit_code, period)."""
    records = [[unit_code, period, row["indicator_code"], row.get("value"), row.get("numerator"),
                row.get("denominator"), row.get("note")]
               for unit_code, period, rows in groups for row in rows]
    path.write_bytes(csv_bytes(records, encoding=encoding))
    return path
