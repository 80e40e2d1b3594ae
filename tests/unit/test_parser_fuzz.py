"""Property-based fuzzing of the parser: whatever the bytes, ``parse_file`` returns submissions with
bilingual problems and never raises (random bytes, mutated workbooks, mutated XML parts, mutated CSV)."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from support import TODAY
from support.submission_files import csv_bytes, csv_records, grid, parts, set_cell, with_part, xlsx

from scorecard import catalog as catalog_mod
from scorecard.model import ParsedSubmission
from scorecard.parsing import parse_file

CATALOG = catalog_mod.load_files()  # not the fixture: Hypothesis runs many examples in one test call
SHEET = set_cell(set_cell(grid(CATALOG), "HTE_APPLY", 2, "=1+1"), "HTE_APPLY", 5, datetime(2026, 9, 1))
WORKBOOK = xlsx(SHEET, before=[("说明", "hidden")])  # with a formula, a date and a hidden sheet
PARTS = parts(WORKBOOK)
CSV = csv_bytes(csv_records(CATALOG))
FUZZ = settings(max_examples=200, deadline=None, database=None)
NAMES = st.sampled_from(["c.xlsx", "c.xlsm", "c.csv", "c.txt", "s3://inbox/upload-7", "c.pdf"])
XML_TOKENS = [
    b"<!DOCTYPE x>", b"<!ENTITY a 'b'>", b"&a;", b"&#0;", b"&amp;", b"<![CDATA[x]]>", b"<!--", b"-->",
    b"<row/>", b'<row r="1048576">', b"</row>", b'<c r="XFD1048576"><v>1</v></c>', b'<c r="ZZZZZZZZZZ1">',
    b'<c r="A0">', b"<c><v>1</v></c>", b'<c t="e"><v>#DIV/0!</v></c>', b'<c t="s"><v>99</v></c>',
    b'<c s="1"><v>-1e308</v></c>', b"<v>1e400</v>", b"<f>SUM(A1:A3)</f>", b"<is><t>x</t></is>",
    b'uniqueCount="99999999999"', b"<sheetData/>", b'<dimension ref="A1:XFD1048576"/>',
    b'Target="/xl/worksheets/sheet9.xml"', b'state="hidden"', b"\x00",
]
CSV_TOKENS = [b'"', b"\r", b"\n", b",", b"\t", b";", b"1e400", b"nan", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe",
              "报告期".encode("gb18030"), b"(" * 300]


@st.composite
def mutated(draw: st.DrawFn, data: bytes, tokens: list[bytes]) -> bytes:
    """``data`` with a few bits flipped, bytes inserted or deleted, or ``tokens`` inserted."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(out)))
        edit = draw(st.sampled_from(["flip", "insert", "delete", "token"]))
        if edit == "flip" and at < len(out):
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif edit == "delete":
            del out[at:at + draw(st.integers(1, 64))]
        elif edit == "token":
            out[at:at] = draw(st.sampled_from(tokens))
    return bytes(out)


def parses(name: str, data: bytes) -> None:
    subs = parse_file(name, data, CATALOG, TODAY)
    assert subs and all(isinstance(sub, ParsedSubmission) and sub.file == name for sub in subs)
    assert all(p.message_zh and p.message_en for sub in subs for p in sub.problems)


@FUZZ
@given(name=NAMES, data=st.binary(max_size=4096))
def test_random_bytes(name: str, data: bytes) -> None:
    parses(name, data)


@FUZZ
@given(name=NAMES, data=st.binary(max_size=4096))
def test_random_bytes_behind_a_zip_header(name: str, data: bytes) -> None:
    parses(name, b"PK\x03\x04" + data)


@FUZZ
@given(data=mutated(WORKBOOK, [b"PK\x01\x02", b"PK\x03\x04", b"PK\x05\x06", b"\xff\xff\xff\xff"]))
def test_mutated_workbook(data: bytes) -> None:
    parses("c.xlsx", data)


@FUZZ
@given(data=st.data(), part=st.sampled_from(sorted(PARTS)))
def test_workbook_with_a_mutated_xml_part(data: st.DataObject, part: str) -> None:
    parses("c.xlsx", with_part(WORKBOOK, part, data.draw(mutated(PARTS[part], XML_TOKENS))))


@FUZZ
@given(name=st.sampled_from(["c.csv", "c.txt", "upload"]), data=mutated(CSV, CSV_TOKENS))
def test_mutated_csv(name: str, data: bytes) -> None:
    parses(name, data)
