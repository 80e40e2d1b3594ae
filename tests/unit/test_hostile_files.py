"""Hostile files ("one bad file never blocks the warehouse"): each gets a verdict, cheaply and never as an
exception; one that cannot be read safely is ``unreadable_file``, naming the reason in Chinese and English."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from support import TODAY
from support.submission_files import (
    CSV_HEADER,
    csv_bytes,
    csv_records,
    declare_size,
    edit_xml,
    excel_row,
    grid,
    parts,
    set_cell,
    with_part,
    xlsx,
    zip_bytes,
)

from scorecard import archive
from scorecard.catalog import Catalog
from scorecard.model import ParsedSubmission
from scorecard.parsing import parse_file

VALUE, NOTE = 2, 5  # columns of support.submission_files.HEADER
SHEET, BOOK, IMAGE = "xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/media/image1.png"
MB = 1024 * 1024
LAUGHS = b'<!DOCTYPE lolz [<!ENTITY lol0 "lol">' + b"".join(
    b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10) for n in range(1, 10)) + b"]>"
"""The billion laughs: ten entities each ten times the one before, 10^9 "lol"s once expanded."""
EXTERNAL = b'<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


def one(name: str, data: bytes, cat: Catalog) -> ParsedSubmission:
    subs = parse_file(name, data, cat, TODAY)
    assert len(subs) == 1
    return subs[0]


def found(sub: ParsedSubmission) -> list[tuple[str, str | None, int | None, str | None]]:
    return [(str(p.rule), p.cell, p.line, p.indicator_code) for p in sub.problems]


# --- builders of hostile files, from a correct workbook or CSV -----------------------------------------


def workbook(cat: Catalog) -> bytes:
    return xlsx(grid(cat))


def sheet_xml(cat: Catalog) -> bytes:
    return parts(workbook(cat))[SHEET]


def with_zeros(data: bytes, name: str, size: int) -> bytes:
    """``data`` with a part of ``size`` zero bytes added, written a megabyte at a time."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as target, target.open(name, "w") as part:
        for _ in range(size // MB):
            part.write(bytes(MB))
    return buffer.getvalue()


def with_cells(cat: Catalog, rows: str) -> bytes:
    """The workbook with the XML ``rows`` added at the end of its sheetData."""
    return edit_xml(workbook(cat), "</sheetData>", f"{rows}</sheetData>")


def with_shared_strings(cat: Catalog, unique: str) -> bytes:
    """The workbook with a shared-string part (related to the workbook) that declares ``unique`` strings."""
    rels = "xl/_rels/workbook.xml.rels"
    relation = ('<Relationship Id="rIdS" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org'
                '/officeDocument/2006/relationships/sharedStrings"/></Relationships>')
    data = with_part(workbook(cat), rels, parts(workbook(cat))[rels].replace(b"</Relationships>",
                                                                               relation.encode()))
    return with_part(data, "xl/sharedStrings.xml",
                     f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
                     f'uniqueCount="{unique}"><si><t>x</t></si></sst>'.encode())


def with_doctype(cat: Catalog, part: str, doctype: bytes, reference: bytes = b"") -> bytes:
    """The workbook with ``doctype`` heading ``part``, and ``reference`` put in front of its names."""
    xml = parts(workbook(cat))[part].replace(b'name="', b'name="' + reference)
    return with_part(workbook(cat), part, doctype + xml)


def lying_with_matching_crc(cat: Catalog) -> bytes:
    """A sheet that declares its first bytes only, with their CRC: zipfile's reader would find nothing amiss,
    stopping at the declared size, while python-calamine would inflate the 5 MB behind them."""
    xml = sheet_xml(cat)
    data = with_part(workbook(cat), SHEET, xml + b" " * (5 * MB))
    return declare_size(data, SHEET, len(xml), zlib.crc32(xml))


def needing_zip_version_25(cat: Catalog) -> bytes:
    """The workbook whose first central directory entry needs a zip version Python does not implement."""
    data = bytearray(workbook(cat))
    data[data.index(b"PK\x01\x02") + 6] = 255
    return bytes(data)


def flipped_stored_sheet(cat: Catalog) -> bytes:
    """The workbook stored uncompressed, one byte of its sheet changed: the CRC no longer matches."""
    data = bytearray(zip_bytes(parts(workbook(cat)), zipfile.ZIP_STORED))
    data[data.index(b"<sheetData>") + 3] ^= 0x20
    return bytes(data)


def with_value(cat: Catalog, written: object, value: str) -> bytes:
    """The workbook with HTE_APPLY's value styled as ``written`` (a date, a duration), holding ``value``."""
    sheet = set_cell(grid(cat), "HTE_APPLY", VALUE, written)
    cell = f"C{excel_row(sheet, 'HTE_APPLY')}"
    return edit_xml(xlsx(sheet), rf'(<c r="{cell}"[^>]*><v>)[^<]*', rf"\g<1>{value}")


def csv_lines(count: int) -> bytes:
    return csv_bytes([["C03", "2026-09", f"X{n}", n, None, None, None] for n in range(count)])


HOSTILE: list[tuple[str, str, Callable[[Catalog], bytes], str, str]] = [
    # (id, file name, builder, a part of the English reason, a part of the Chinese one)
    ("zip bomb", "c.xlsx", lambda cat: with_zeros(workbook(cat), IMAGE, 20 * MB),
     "compressed more than 200-fold", "压缩比超过 200 倍"),
    ("declared 4 GB", "c.xlsx", lambda cat: declare_size(workbook(cat), SHEET, 0xFFFF_FFF0),
     "would inflate to more than 100 MB", "解压后超过 100 MB"),
    ("part lying about its size", "c.xlsx",
     lambda cat: declare_size(with_part(workbook(cat), SHEET, sheet_xml(cat) + b" " * (5 * MB)), SHEET,
                              len(sheet_xml(cat))),
     f"the part {SHEET} inflates beyond its declared size", "解压后超过其声明的大小"),
    ("part lying about its size, with the CRC of what it declares", "c.xlsx", lying_with_matching_crc,
     f"the part {SHEET} inflates beyond its declared size", "解压后超过其声明的大小"),
    ("part shorter than declared", "c.xlsx",
     lambda cat: declare_size(workbook(cat), SHEET, len(sheet_xml(cat)) + 1000),
     f"the part {SHEET} is damaged", "已损坏"),
    ("bad CRC", "c.xlsx", flipped_stored_sheet, f"the part {SHEET} is damaged", "已损坏"),
    ("5,000 entries", "c.xlsx",
     lambda cat: zip_bytes({**parts(workbook(cat)), **{f"xl/media/image{n}.png": b"" for n in range(5000)}}),
     "more than 1,000 parts", "超过 1,000 个部件"),
    ("zip version 25.5", "c.xlsx", needing_zip_version_25,
     "does not open as a zip archive", "无法作为 zip 压缩包打开"),
    ("bzip2 parts", "c.xlsx", lambda cat: zip_bytes(parts(workbook(cat)), zipfile.ZIP_BZIP2),
     "compressed in a way Excel never uses", "Excel 不用的压缩方式"),
    ("truncated", "c.xlsx", lambda cat: workbook(cat)[: len(workbook(cat)) // 2],
     "does not open as a zip archive", "无法作为 zip 压缩包打开"),
    ("billion laughs in workbook.xml", "c.xlsx", lambda cat: with_doctype(cat, BOOK, LAUGHS, b"&lol9;"),
     f"the part {BOOK} declares a DTD or entities", "含有 DTD 或实体声明"),
    ("external entity in workbook.xml", "c.xlsx", lambda cat: with_doctype(cat, BOOK, EXTERNAL, b"&secret;"),
     f"the part {BOOK} declares a DTD or entities", "含有 DTD 或实体声明"),
    ("billion laughs in the sheet", "c.xlsx", lambda cat: with_doctype(cat, SHEET, LAUGHS),
     f"the part {SHEET} declares a DTD or entities", "含有 DTD 或实体声明"),
    ("external entity in a UTF-16 sheet", "c.xlsx",
     lambda cat: with_part(workbook(cat), SHEET,
                           ('<?xml version="1.0" encoding="UTF-16"?>' + EXTERNAL.decode()
                            + sheet_xml(cat).decode()).encode("utf-16")),
     f"the part {SHEET} declares a DTD or entities", "含有 DTD 或实体声明"),
    ("lower-case doctype", "c.xlsx", lambda cat: with_doctype(cat, SHEET, b"<!doctype x>"),
     "declares a DTD or entities", "含有 DTD 或实体声明"),
    ("cell at XFD1048576", "c.xlsx",
     lambda cat: with_cells(cat, '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
     "more than 100,000 rows", "超过 100,000 行"),
    ("cell at row 100,001", "c.xlsx",
     lambda cat: with_cells(cat, '<row r="100001"><c r="A100001"><v>1</v></c></row>'),
     "more than 100,000 rows", "超过 100,000 行"),
    ("cell at XFD5000", "c.xlsx",
     lambda cat: with_cells(cat, '<row r="5000"><c r="XFD5000"><v>1</v></c></row>'),
     "5,000 rows × 16,384 columns", "5,000 行 × 16,384 列"),
    ("cell without reference after XFD", "c.xlsx",
     lambda cat: with_cells(cat, '<row r="5000"><c r="XFD5000"/><c><v>1</v></c></row>'),
     "more than 2,000,000 cells", "超过 2,000,000 个单元格"),
    ("10^11 shared strings", "c.xlsx", lambda cat: with_shared_strings(cat, "100000000000"),
     "declares more than 2,000,000 strings", "共享字符串表"),
    ("2^64-1 shared strings", "c.xlsx", lambda cat: with_shared_strings(cat, "18446744073709551615"),
     "declares more than 2,000,000 strings", "共享字符串表"),
    ("date cell of -1e308", "c.xlsx", lambda cat: with_value(cat, datetime(2026, 9, 1), "-1e308"),
     "the workbook is damaged", "工作簿已损坏"),
    ("duration cell of 1e20 days", "c.xlsx", lambda cat: with_value(cat, timedelta(days=2), "1e20"),
     "the workbook is damaged", "工作簿已损坏"),
    ("200,000-line CSV", "c.csv", lambda cat: csv_lines(200_000),
     "more than 100,000 lines", "超过 100,000 行"),
    ("CSV of 19 million commas", "c.csv", lambda cat: csv_bytes(csv_records(cat)) + b"," * 19_000_000,
     "more than 2,000,000 fields", "字段超过 2,000,000 个"),
    ("CSV of NUL bytes", "c.csv", lambda cat: bytes(64 * 1024), "NUL characters", "空字符"),
    ("NUL in a CSV", "c.csv", lambda cat: csv_bytes(csv_records(cat)).replace(b"HTE_APPLY", b"HTE\x00APPLY"),
     "NUL characters", "空字符"),
    ("CSV with a 10 MB note", "c.csv",
     lambda cat: csv_bytes([["C03", "2026-09", "HTE_APPLY", 10, None, None, "备" * (10 * MB // 3)]]),
     "a field from line 2 on is longer than 131,072 characters", "第 2 行起有超过 131,072 个字符的字段"),
    ("CSV with a quote left open", "c.csv",
     lambda cat: csv_bytes(csv_records(cat)) + b'C03,2026-09,X,"10\r\n' + b"C03,2026-09,X,1\r\n" * 20_000,
     "is a quote left open?", "引号未闭合"),
    ("PNG named .xlsx", "c.xlsx", lambda cat: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(256),
     "not an .xlsx file", "不是 .xlsx 文件"),
    ("PDF named .xlsx", "c.xlsx", lambda cat: b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
     "not an .xlsx file", "不是 .xlsx 文件"),
    ("zip that is no workbook", "c.xlsx", lambda cat: zip_bytes({"word/document.xml": b"<w:document/>"}),
     "not an Excel workbook", "不是 Excel 工作簿"),
    ("empty workbook", "c.xlsx", lambda cat: b"", "the file is empty", "文件为空"),
    ("empty CSV", "c.csv", lambda cat: b"", "the file is empty", "文件为空"),
]


@pytest.mark.parametrize(("name", "build", "en", "zh"), [case[1:] for case in HOSTILE],
                         ids=[case[0] for case in HOSTILE])
def test_hostile_file_is_unreadable(catalog, name: str, build: Callable[[Catalog], bytes], en: str,
                                    zh: str) -> None:
    sub = one(name, build(catalog), catalog)
    assert (found(sub), sub.rows) == ([("unreadable_file", None, None, None)], [])
    assert en in sub.problems[0].message_en
    assert zh in sub.problems[0].message_zh


@pytest.mark.parametrize("written", ["1e400", "-1e400", "1E999", "inf", "-inf", "Infinity", "nan", "NaN",
                                     "1,000e400", "１e400", "1e400%"])
def test_text_that_is_no_finite_number_is_not_a_number(catalog, written: str) -> None:
    sheet = set_cell(grid(catalog), "HTE_APPLY", VALUE, written)
    sub = one("c.xlsx", xlsx(sheet), catalog)
    assert found(sub) == [("not_a_number", f"C{excel_row(sheet, 'HTE_APPLY')}", None, "HTE_APPLY")]
    assert "is not a number" in sub.problems[0].message_en and "不是数字" in sub.problems[0].message_zh
    records = [[*r[:3], written if r[2] == "HTE_APPLY" else r[3], *r[4:]] for r in csv_records(catalog)]
    line = next(n for n, r in enumerate(records, start=2) if r[2] == "HTE_APPLY")
    assert found(one("c.csv", csv_bytes(records), catalog)) == [("not_a_number", None, line, "HTE_APPLY")]


@pytest.mark.parametrize("offset", [-20, -9, -5, -1, 0, 1])
@pytest.mark.parametrize("declaration", [b"<!DOCTYPE x>", b"<!entity", "<!DOCTYPE x>".encode("utf-16-le")])
def test_declaration_split_between_chunks_is_found(declaration: bytes, offset: int) -> None:
    xml = b"<worksheet><!--" + b"x" * (archive.CHUNK + offset - 15) + b"-->" + declaration + b"</worksheet>"
    with pytest.raises(archive.UnsafeArchive, match="declares a DTD or entities"):
        archive.check_workbook_archive(zip_bytes({SHEET: xml}))


@pytest.mark.parametrize("build", [
    lambda cat: with_zeros(workbook(cat), IMAGE, 50 * MB),
    lambda cat: declare_size(with_zeros(workbook(cat), IMAGE, 50 * MB), IMAGE, 1000),
], ids=["bomb", "lying part"])
def test_bombs_are_refused_before_they_are_inflated(catalog, build: Callable[[Catalog], bytes]) -> None:
    data = build(catalog)
    tracemalloc.start()
    try:
        sub = one("c.xlsx", data, catalog)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [str(p.rule) for p in sub.problems] == ["unreadable_file"]
    assert peak < 2 * MB  # what an inflated part would take is hundreds of MB


def test_row_limit_comes_from_the_environment(catalog, monkeypatch) -> None:
    data = csv_bytes(csv_records(catalog))
    lines = data.count(b"\n")
    monkeypatch.setenv("SCORECARD_MAX_ROWS", str(lines))
    assert found(one("c.csv", data, catalog)) == []
    monkeypatch.setenv("SCORECARD_MAX_ROWS", str(lines - 1))
    assert found(one("c.csv", data, catalog)) == [("unreadable_file", None, None, None)]
    sheet = grid(catalog)
    monkeypatch.setenv("SCORECARD_MAX_ROWS", str(len(sheet)))
    assert found(one("c.xlsx", xlsx(sheet), catalog)) == []
    monkeypatch.setenv("SCORECARD_MAX_ROWS", str(len(sheet) - 1))
    sub = one("c.xlsx", xlsx(sheet), catalog)
    assert found(sub) == [("unreadable_file", None, None, None)]
    assert f"more than {len(sheet) - 1:,} rows" in sub.problems[0].message_en


# --- odd files that are no threat are read as usual ----------------------------------------------------


def test_correct_workbooks_pass_the_archive_checks_with_a_wide_margin(catalog) -> None:
    """The limits are far from what real workbooks reach: 30 parts, XML deflating 3-16 times."""
    small = workbook(catalog)
    large = xlsx(grid(catalog, rows=[[f"X{n}", "家", n % 100, None, None, "备注"] for n in range(20_000)]))
    for data in (small, large):
        archive.check_workbook_archive(data)
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
        assert len(entries) < archive.MAX_ENTRIES / 10
        assert max(e.file_size / e.compress_size for e in entries) < archive.MAX_RATIO / 10
    assert found(one("c.xlsx", small, catalog)) == []
    assert "unreadable_file" not in {str(p.rule) for p in one("c.xlsx", large, catalog).problems}


def test_long_names_labels_and_notes_get_a_verdict(catalog) -> None:
    name = "报" * 81 + "-9.xlsx"  # 250 bytes in UTF-8
    assert len(name.encode()) == 250
    assert found(one(name, workbook(catalog), catalog)) == []
    sheet = set_cell(grid(catalog), "HTE_APPLY", NOTE, "说明" * (MB // 2))
    sheet[0][1] = "C" * 250  # the unit code
    sheet.insert(2, ["(" * 50_000, "x"])  # a label the (…)-removing regex must not take quadratic time over
    sub = one("c.xlsx", xlsx(sheet), catalog)
    assert found(sub) == [("unknown_unit", "B1", None, None)]
    assert (next(r.note for r in sub.rows if r.indicator_code == "HTE_APPLY") or "").startswith("说明说明")


def test_cells_without_references_are_still_read(catalog) -> None:
    """Some writers leave out the ``r`` of cells: such a small sheet stays well within the limits."""
    rows = [[i.code, i.measure_unit, 10, 30, 1000, "备注"] for i in catalog.applicable(catalog.units["C03"])]
    data = edit_xml(xlsx(grid(catalog, rows=rows)), r'<c r="[A-Z]+[0-9]+"', "<c", count=0)
    assert b' r="A1"' not in parts(data)[SHEET]
    sub = one("c.xlsx", data, catalog)
    assert (found(sub), len(sub.rows)) == ([], len(rows))


def test_csv_header_with_a_long_field(catalog) -> None:
    sub = one("c.csv", csv_bytes(csv_records(catalog), header=[*CSV_HEADER[:-1], "备注" * 100_000]), catalog)
    assert found(sub) == [("unreadable_file", None, None, None)]
    assert "from line 1 on" in sub.problems[0].message_en
