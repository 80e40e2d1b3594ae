"""Builders of submission files for the parser tests: workbooks written with openpyxl, CSV with csv."""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date

from scorecard.catalog import Catalog

TODAY = date(2026, 11, 27)
HEADER = ["指标代码", "计量单位", "数值", "分子", "分母", "备注"]
"""Default table header: code in A, measure unit in B, value in C, numerator in D, denominator in E."""
CSV_HEADER = ["unit_code", "period", "indicator_code", "value", "numerator", "denominator", "note"]


def filled_rows(cat: Catalog, unit_code: str, skip: Sequence[str] = ()) -> list[list[object]]:
    """A correct table row (in HEADER's column order) for every indicator applying to the unit."""
    rows: list[list[object]] = []
    for indicator in cat.applicable(cat.units[unit_code]):
        if indicator.code in skip:
            continue
        if indicator.kind == "ratio":
            rows.append([indicator.code, None, None, 30, 1000, None])
        else:
            rows.append([indicator.code, None, 10, None, None, None])
    return rows


def grid(
    cat: Catalog, unit: object = "C03", period: object = "2026-09", rows: list[list[object]] | None = None
) -> list[list[object]]:
    """A complete submission sheet: metadata in rows 1-2, header in row 4, table from row 5."""
    body = filled_rows(cat, str(unit)) if rows is None else rows
    return [["单位代码", unit], ["报告期", period], [], list(HEADER), *body]


def excel_row(sheet: list[list[object]], code: str) -> int:
    """The 1-based sheet row holding ``code`` in column A."""
    return next(n for n, row in enumerate(sheet, start=1) if row and row[0] == code)


def set_cell(sheet: list[list[object]], code: str, column: int, value: object) -> list[list[object]]:
    """Set the ``column`` (0-based) of the row of ``code``; returns the sheet for chaining."""
    sheet[excel_row(sheet, code) - 1][column] = value
    return sheet


def xlsx(sheet: list[list[object]], title: str = "填报表", before: Sequence[tuple[str, str]] = ()) -> bytes:
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
