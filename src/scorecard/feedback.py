"""The feedback workbook a unit gets for a rejected file: what to fix, and where.

It is a copy of the unit's own workbook with every offending cell filled red and commented in Chinese
and English, plus a first sheet listing the problems (those without a cell included). A CSV is turned
into a workbook of its rows, each on the sheet row of its line, the offending lines highlighted.

The copy holds values only (no formula, external link or defined name of the original), and every text
is written as text (``scorecard.xlsx``), so that opening the feedback runs nothing. The first ``LISTED``
problems are listed and marked, then one row says how many more there are; a CSV's rows are streamed
(openpyxl's write-only mode), so the feedback costs time linear in rows and problems. A file that could
not be read at all (``unreadable_file``: damaged, too large, a zip bomb) gets no feedback workbook: its
report says why, and opening it again is what must not happen.
"""

from __future__ import annotations

import csv
import io
import itertools
from typing import TYPE_CHECKING

from scorecard.model import ParsedSubmission, Problem
from scorecard.vocabulary import Rule
from scorecard.xlsx import MAX_COLUMNS, MAX_ROWS, append_row, set_value, text

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell import Cell

PROBLEMS_SHEET = "问题清单 Problems"
DATA_SHEET = "原始数据 data"
HIGHLIGHT = "FFC7CE"
LISTED = 1000
HEADER = ["单位 unit", "报告期 period", "规则 rule", "单元格 cell", "行 line", "指标 indicator",
          "说明 message"]

Listed = list[tuple[ParsedSubmission, Problem]]


def _listed(submissions: list[ParsedSubmission]) -> tuple[Listed, int]:
    """The first LISTED problems with their submission, and how many more there are."""
    pairs = ((sub, p) for sub in submissions for p in sub.problems)
    listed = list(itertools.islice(pairs, LISTED))
    return listed, sum(len(sub.problems) for sub in submissions) - len(listed)


def _problem_lines(problem: Problem) -> str:
    return f"[{problem.rule}] {problem.message_zh}\n{problem.message_en}"


def _add_problem_sheet(book: Workbook, listed: Listed, more: int) -> None:
    from openpyxl.styles import Font

    sheet = book.create_sheet(PROBLEMS_SHEET, 0)
    append_row(sheet, HEADER, font=Font(bold=True))
    for sub, p in listed:
        append_row(sheet, [sub.unit_code, sub.period, str(p.rule), p.cell, p.line, p.indicator_code,
                           p.message])
    if more:
        append_row(sheet, [f"……另有 {more:,} 个问题未列出，请先修正以上问题 / "
                           f"… and {more:,} more problems not listed: fix the ones above first"])
    for column, width in zip("ABCDEFG", (10, 10, 28, 10, 8, 22, 90), strict=True):
        sheet.column_dimensions[column].width = width


def _highlight(cell: Cell) -> None:
    from openpyxl.styles import PatternFill

    cell.fill = PatternFill("solid", start_color=HIGHLIGHT, end_color=HIGHLIGHT)


def _mark(cell: Cell, problems: list[Problem]) -> None:
    from openpyxl.comments import Comment

    _highlight(cell)
    previous = [cell.comment.text] if cell.comment else []
    comment = Comment(text("\n\n".join(previous + [_problem_lines(p) for p in problems])), "scorecard")
    comment.width, comment.height = 320, 160
    cell.comment = comment


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _workbook_feedback(data: bytes, sub: ParsedSubmission, listed: Listed, more: int) -> bytes:
    from openpyxl import load_workbook

    # cached values instead of formulas (array and data-table ones included), and no external links
    book = load_workbook(io.BytesIO(data), data_only=True, keep_links=False)
    # a defined name is a formula too, which conditional formats or validations could still call
    book.defined_names.clear()
    for other in book.worksheets:
        other.defined_names.clear()
    sheet = book[sub.sheet] if sub.sheet in book.sheetnames else book.worksheets[0]
    cells: dict[str, list[Problem]] = {}
    for owner, p in listed:
        if owner is sub and p.cell:
            cells.setdefault(p.cell, []).append(p)
    for ref, problems in cells.items():
        _mark(sheet[ref], problems)
    _add_problem_sheet(book, listed, more)
    return _save(book)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _records(data: bytes) -> dict[int, list[str]]:
    """The CSV's non-empty records by the line each starts on (as the parser numbers them)."""
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    records: dict[int, list[str]] = {}
    start = 1
    for record in reader:
        if start > MAX_ROWS:
            break
        if record:
            records[start] = record[:MAX_COLUMNS]
        start = reader.line_num + 1
    return records


def _csv_feedback(data: bytes, listed: Listed, more: int) -> bytes:
    """The problems, then the CSV's records as text rows, each on the sheet row of its line."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    records = _records(data)
    lines: dict[int, list[Problem]] = {}
    for _, p in listed:
        if p.line in records:
            lines.setdefault(p.line, []).append(p)
    book = Workbook(write_only=True)
    _add_problem_sheet(book, listed, more)
    sheet = book.create_sheet(DATA_SHEET)
    written = 0
    for line, record in records.items():
        for _ in range(line - written - 1):
            sheet.append([])
        cells = [set_value(WriteOnlyCell(sheet), value) for value in record]
        if line in lines and cells:
            for cell in cells:
                _highlight(cell)
            _mark(cells[0], lines[line])
        sheet.append(cells)
        written = line
    return _save(book)


def feedback_workbook(data: bytes, submissions: list[ParsedSubmission]) -> bytes | None:
    """The feedback workbook's bytes, or None when the original cannot be opened at all."""
    form = submissions[0].form if submissions else None
    if any(p.rule == Rule.UNREADABLE_FILE for sub in submissions for p in sub.problems):
        return None
    listed, more = _listed(submissions)
    try:
        if form == "xlsx":
            return _workbook_feedback(data, submissions[0], listed, more)
        return _csv_feedback(data, listed, more)
    except Exception:  # a corrupt or encrypted original: the JSON report alone explains it
        return None
