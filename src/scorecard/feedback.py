"""The feedback workbook a unit gets for a rejected file: what to fix, and where.

It is a copy of the unit's own workbook with every offending cell filled red and commented in Chinese
and English, plus a sheet listing every problem (those without a cell included). A CSV is turned into
a workbook of its rows, the offending lines highlighted.
"""

from __future__ import annotations

import csv
import io

from scorecard.model import ParsedSubmission, Problem

PROBLEMS_SHEET = "问题清单 Problems"
HIGHLIGHT = "FFC7CE"


def _problem_lines(problem: Problem) -> str:
    return f"[{problem.rule}] {problem.message_zh}\n{problem.message_en}"


def _add_problem_sheet(book, submissions: list[ParsedSubmission]) -> None:
    from openpyxl.styles import Font

    sheet = book.create_sheet(PROBLEMS_SHEET, 0)
    header = ["单位 unit", "报告期 period", "规则 rule", "单元格 cell", "行 line", "指标 indicator",
              "说明 message"]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for sub in submissions:
        for p in sub.problems:
            sheet.append([sub.unit_code, sub.period, str(p.rule), p.cell, p.line, p.indicator_code,
                          p.message])
    for column, width in zip("ABCDEFG", (10, 10, 28, 10, 8, 22, 90), strict=True):
        sheet.column_dimensions[column].width = width


def _highlight(cell) -> None:
    from openpyxl.styles import PatternFill

    cell.fill = PatternFill("solid", start_color=HIGHLIGHT, end_color=HIGHLIGHT)


def _mark(cell, text: str) -> None:
    from openpyxl.comments import Comment

    _highlight(cell)
    previous = cell.comment.text + "\n\n" if cell.comment else ""
    comment = Comment(previous + text, "scorecard")
    comment.width, comment.height = 320, 160
    cell.comment = comment


def _workbook_feedback(data: bytes, submissions: list[ParsedSubmission]):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    sub = submissions[0]
    sheet = book[sub.sheet] if sub.sheet in book.sheetnames else book.worksheets[0]
    for problem in sub.problems:
        if problem.cell:
            _mark(sheet[problem.cell], _problem_lines(problem))
    return book


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _csv_feedback(data: bytes, submissions: list[ParsedSubmission]):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "原始数据 data"
    for row in csv.reader(io.StringIO(_decode(data))):
        sheet.append(row)
    for sub in submissions:
        for problem in sub.problems:
            if problem.line and problem.line <= sheet.max_row:
                row = sheet[problem.line]
                for cell in row:
                    _highlight(cell)
                _mark(row[0], _problem_lines(problem))
    return book


def feedback_workbook(data: bytes, submissions: list[ParsedSubmission]) -> bytes | None:
    """The feedback workbook's bytes, or None when the original cannot be opened at all."""
    form = submissions[0].form if submissions else None
    try:
        book = _workbook_feedback(data, submissions) if form == "xlsx" else _csv_feedback(data, submissions)
    except Exception:  # a corrupt or encrypted original: the JSON report alone explains it
        return None
    _add_problem_sheet(book, submissions)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
