"""How large a file may be (bytes, rows, cells), and the measures that tell, before a file is read, whether
it is larger: a workbook's cells are measured in its XML, since python-calamine must not be asked."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from scorecard.archive import Parts

DEFAULT_MAX_FILE_MB = 20.0
DEFAULT_MAX_ROWS = 100_000
MAX_CELLS = 2_000_000
"""Most cells a sheet may span (rows × columns from A1), or fields a CSV may hold: 100,000 rows of 20. Read
into python-calamine's dense grid, then into Python lists, a cell takes about 100 bytes (2.6 million took
270 MB); a submission has a few hundred."""

_REFERENCE = re.compile(rb"""\br\s*=\s*["']([A-Za-z]*)0*([0-9]+)""")
"""The start of every ``r`` attribute (``XFD1048576``, ``5``) of a row or cell, and of a few look-alikes."""
_LOOSE_CELL = re.compile(rb"<(?:[^ \t\r\n<>:/!?][^ \t\r\n<>:]*:)?c(?:[/>]|[ \t\r\n]++(?!r[ \t\r\n]*+=))")
"""A cell start tag whose first attribute is not ``r``: python-calamine may place it after the last cell."""
_CELL_START = re.compile(rb"[<:]c[ \t\r\n/>]")
_ROW_TAG = re.compile(rb"[<:/]row[ \t\r\n/>]")
_UNIQUE_COUNT = re.compile(rb"""\buniqueCount\s*=\s*["']\s*\+?0*([0-9]+)""")


def max_file_bytes() -> int:
    """The largest file accepted: ``SCORECARD_MAX_FILE_MB`` megabytes (default 20)."""
    try:
        megabytes = float(os.environ.get("SCORECARD_MAX_FILE_MB") or DEFAULT_MAX_FILE_MB)
    except ValueError:
        megabytes = DEFAULT_MAX_FILE_MB
    return int(megabytes * 1024 * 1024)


def max_rows() -> int:
    """The most sheet rows or CSV lines a file may have: ``SCORECARD_MAX_ROWS`` (default 100,000)."""
    try:
        return int(os.environ.get("SCORECARD_MAX_ROWS") or DEFAULT_MAX_ROWS)
    except ValueError:
        return DEFAULT_MAX_ROWS


def over_file_size() -> tuple[str, str]:
    """Why a file larger than ``max_file_bytes`` is not read (in Chinese, in English)."""
    limit = max_file_bytes() // 1048576
    return f"文件超过 {limit} MB 上限", f"the file is larger than the {limit} MB limit"


def csv_too_large(text: str, delimiter: str) -> tuple[str, str] | None:
    """Why a CSV text is not read (in Chinese, in English): more lines than ``max_rows`` or more fields than
    ``MAX_CELLS``; else None."""
    if _line_count(text) > max_rows():
        return (f"文件超过 {max_rows():,} 行，远多于任何报表",
                f"the file has more than {max_rows():,} lines, far more than any submission")
    if text.count(delimiter) > MAX_CELLS:
        return (f"文件的字段超过 {MAX_CELLS:,} 个，远多于任何报表",
                f"the file has more than {MAX_CELLS:,} fields, far more than any submission")
    return None


def _line_count(text: str) -> int:
    """Physical lines of ``text``, ended as the csv module ends them: CR LF, LF or CR."""
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    return breaks + (not text.endswith(("\n", "\r")))


def workbook_too_large(parts: Parts) -> tuple[str, str] | None:
    """Why python-calamine must not read this workbook (in Chinese, in English), or None.

    Every part, a recurring name too, is measured as if it were the sheet calamine is going to read
    (``grid_extent``) or its shared strings, for which calamine reserves room as declared by
    ``<sst uniqueCount>``.
    """
    limit = max_rows()
    for _, xml in parts:
        rows, columns = grid_extent(xml)
        # the regex's leading \b stops re from skipping to the word, so parts without it are not searched
        declared = _UNIQUE_COUNT.finditer(xml) if b"uniqueCount" in xml else iter(())
        strings = max((int(found[1][:12]) for found in declared), default=0)
        if rows > limit:
            return (f"工作表超过 {limit:,} 行，远多于任何报表，请删除表格下方多余的行",
                    f"a sheet has more than {limit:,} rows, far more than any submission; delete the rows "
                    "below the table")
        if rows * columns > MAX_CELLS:
            return (f"工作表的单元格范围达 {rows:,} 行 × {columns:,} 列，超过 {MAX_CELLS:,} 个单元格，"
                    "请删除表格以外远处的内容",
                    f"a sheet's cells span {rows:,} rows × {columns:,} columns, more than "
                    f"{MAX_CELLS:,} cells; delete the content far outside the table")
        if strings > MAX_CELLS:
            return (f"共享字符串表声明的字符串超过 {MAX_CELLS:,} 个",
                    f"the shared-string table declares more than {MAX_CELLS:,} strings")
    return None


def grid_extent(xml: bytes) -> tuple[int, int]:
    """At least the rows and columns that python-calamine's grid spans when it reads this part as a sheet.

    calamine holds a sheet as a dense grid from its first to its last cell with content, so one cell at
    XFD1048576 makes it allocate terabytes and abort the process. It reads cells from ``<sheetData>`` to
    ``</sheetData>`` and places each at its ``r`` reference, else right of the previous cell, on the row
    given by its ``<row r>``, else on the next row. The bound taken here holds whatever the XML looks like,
    since it reads no structure: the largest reference between the first and last mention of sheetData,
    plus, when some cell there has no ``r`` of its own, every row tag and every cell tag.
    """
    start, end = xml.find(b"sheetData"), xml.rfind(b"sheetData")
    if start < 0:
        return 0, 0
    references = _REFERENCE.findall(xml, start, end)
    top_row = top_column = b""
    if references:
        letters, digits = zip(*references, strict=True)
        top_row = _greatest(digits)
        top_column = _greatest(b" ".join(letters).upper().split(b" "))
    rows, columns = int(top_row[:12] or 0), 0  # 12 digits or 8 letters are beyond any limit already
    for letter in top_column[:8]:
        columns = columns * 26 + letter - 64
    if _LOOSE_CELL.search(xml, start, end):
        rows += sum(1 for _ in _ROW_TAG.finditer(xml, start, end))
        columns += sum(1 for _ in _CELL_START.finditer(xml, start, end))
    return rows, columns


def _greatest(numerals: Sequence[bytes]) -> bytes:
    """The greatest of row numbers or column letters, compared as numbers are: by length, then in order."""
    longest = max(map(len, numerals))
    return max(numeral for numeral in numerals if len(numeral) == longest)
