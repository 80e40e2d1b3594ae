"""The feedback workbook a unit gets for a rejected file: what to fix, and where.

It is a copy of the unit's own workbook with every offending cell filled red and commented in Chinese
and English, plus a first sheet listing the problems (those without a cell included): how severe each is,
where it is (a link to the marked cell), the indicator, what is wrong and how to fix it. A required
indicator the file lacks gets a row of its own at the end of the table, its empty figure marked, to be
filled in. A CSV is turned into a workbook of its rows, each on the sheet row of its line, the offending
lines highlighted and its figures written as numbers. The copy keeps the original's data validation and
sheet protection; the cells it adds for the clerk to fill are unlocked.

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
import re
from typing import TYPE_CHECKING

from scorecard.labels import RULE_HINTS, RULE_HINTS_EN, SEVERITIES
from scorecard.model import ParsedSubmission, Problem
from scorecard.parsing.labels import LABELS, NUMBER_FIELDS, label_key
from scorecard.parsing.workbooks import PROBLEMS_SHEET
from scorecard.vocabulary import Rule, Severity
from scorecard.xlsx import MAX_COLUMNS, MAX_ROWS, append_row, set_value, text

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

DATA_SHEET = "原始数据 data"
HIGHLIGHT = "FFC7CE"
WARNING_FILL = "FFEB9C"
LISTED = 1000
HEADER = ["单位 unit", "报告期 period", "规则 rule", "严重程度 severity", "位置 location", "指标 indicator",
          "说明 message", "如何修改 how to fix", "单元格 cell", "行 line"]
WIDTHS = (10, 10, 24, 16, 16, 22, 70, 60, 10, 8)
SEVERITY, LOCATION = HEADER.index("严重程度 severity"), HEADER.index("位置 location")
TABLE_SCAN_ROWS = 200  # where to look for the table header of a workbook (the parser's own limit is larger)

Listed = list[tuple[ParsedSubmission, Problem]]
Places = dict[int, tuple[str, str]]
"""Where the feedback shows each listed problem (by its position): (sheet, cell)."""


def _listed(submissions: list[ParsedSubmission]) -> tuple[Listed, int]:
    """The first LISTED problems with their submission, and how many more there are."""
    pairs = ((sub, p) for sub in submissions for p in sub.problems)
    listed = list(itertools.islice(pairs, LISTED))
    return listed, sum(len(sub.problems) for sub in submissions) - len(listed)


def _problem_lines(problem: Problem) -> str:
    return f"[{problem.rule}] {problem.message_zh}\n{problem.message_en}\n→ {hint(problem)}"


def hint(problem: Problem) -> str:
    """How to fix ``problem``, in Chinese then English."""
    return f"{RULE_HINTS[problem.rule]}\n{RULE_HINTS_EN[problem.rule]}"


def _location(problem: Problem, place: tuple[str, str] | None) -> str:
    if problem.cell:
        return f"单元格 {problem.cell} / cell {problem.cell}"
    if problem.line:
        return f"第 {problem.line} 行 / line {problem.line}"
    if place:
        return f"新增行 {place[1]} / added row {place[1]}"
    return "整个文件 / the file"


def _link(cell: Cell, place: tuple[str, str]) -> None:
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    sheet, ref = place
    quoted = sheet.replace("'", "''")
    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{quoted}'!{ref}",
                               display=str(cell.value or ref))
    cell.font = Font(color="0563C1", underline="single")


def _add_problem_sheet(book: Workbook, listed: Listed, more: int, places: Places) -> None:
    from openpyxl.styles import Alignment, Font

    sheet = book.create_sheet(PROBLEMS_SHEET, 0)
    for column, width in zip("ABCDEFGHIJ", WIDTHS, strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    append_row(sheet, HEADER, font=Font(bold=True))
    from openpyxl.cell import Cell

    wrap = Alignment(wrap_text=True, vertical="top")
    for position, (sub, p) in enumerate(listed):
        place = places.get(position)
        severity = SEVERITIES[p.severity]
        values = [sub.unit_code, sub.period, str(p.rule), f"{severity.zh}\n{severity.en}",
                  _location(p, place), p.indicator_code, f"{p.message_zh}\n{p.message_en}", hint(p),
                  p.cell or (place[1] if place and p.line is None else None), p.line]
        # styled before appending: a write-only sheet writes a row as it is appended
        cells = [set_value(Cell(sheet, row=1, column=1), value) for value in values]
        for cell in cells:
            cell.alignment = wrap
        _fill(cells[SEVERITY], HIGHLIGHT if p.severity == Severity.ERROR else WARNING_FILL)
        link = cells[LOCATION]
        if place:
            _link(link, place)
        sheet.append(cells)
        if link.hyperlink is not None:  # an ordinary sheet moves the cell, not its link
            link.hyperlink.ref = link.coordinate
    if more:
        append_row(sheet, [f"……另有 {more:,} 个问题未列出，请先修正以上问题 / "
                           f"… and {more:,} more problems not listed: fix the ones above first"])


def _fill(cell: Cell, color: str) -> None:
    from openpyxl.styles import PatternFill

    cell.fill = PatternFill("solid", start_color=color, end_color=color)


def _highlight(cell: Cell) -> None:
    _fill(cell, HIGHLIGHT)


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


def _table(sheet: Worksheet) -> tuple[int, dict[str, int]] | None:
    """The table's header row and its columns by field name, as the parser finds them."""
    for row in sheet.iter_rows(max_row=min(sheet.max_row, TABLE_SCAN_ROWS)):
        columns: dict[str, int] = {}
        for cell in row:
            if isinstance(cell.value, str):
                columns.setdefault(LABELS.get(label_key(cell.value), ""), cell.column)
        if "indicator_code" in columns and "value" in columns:
            return row[0].row, columns
    return None


def _row_is_empty(sheet: Worksheet, row: int) -> bool:
    return all(c.value in (None, "") for c in sheet[row])


def _add_missing_rows(sheet: Worksheet, listed: Listed, sub: ParsedSubmission, places: Places) -> None:
    """A row at the end of the table for each required indicator the workbook lacks, its figure marked."""
    from openpyxl.styles import Protection

    missing = [(n, p) for n, (owner, p) in enumerate(listed)
               if owner is sub and p.rule == Rule.MISSING_VALUE and not p.cell and p.indicator_code]
    table = _table(sheet) if missing else None
    if table is None:
        return
    header, columns = table
    row = header + 1
    while not _row_is_empty(sheet, row):
        row += 1
    open_cell = Protection(locked=False)
    for position, p in missing:
        set_value(sheet.cell(row=row, column=columns["indicator_code"]), p.indicator_code)
        for name in (*NUMBER_FIELDS, "note"):
            if name in columns:
                sheet.cell(row=row, column=columns[name]).protection = open_cell
        value = sheet.cell(row=row, column=columns["value"])
        _mark(value, [p])
        places[position] = (sheet.title, value.coordinate)
        row += 1


def _workbook_feedback(data: bytes, sub: ParsedSubmission, listed: Listed, more: int) -> bytes:
    from openpyxl import load_workbook

    # cached values instead of formulas (array and data-table ones included), and no external links
    book = load_workbook(io.BytesIO(data), data_only=True, keep_links=False)
    # a defined name is a formula too, which conditional formats or validations could still call
    book.defined_names.clear()
    for other in book.worksheets:
        other.defined_names.clear()
    sheet = book[sub.sheet] if sub.sheet in book.sheetnames else book.worksheets[0]
    places: Places = {}
    cells: dict[str, list[Problem]] = {}
    for position, (owner, p) in enumerate(listed):
        if owner is sub and p.cell:
            cells.setdefault(p.cell, []).append(p)
            places[position] = (sheet.title, p.cell)
    for ref, problems in cells.items():
        _mark(sheet[ref], problems)
    _add_missing_rows(sheet, listed, sub, places)
    _add_problem_sheet(book, listed, more, places)
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


NUMBER = re.compile(r"-?(?:0|[1-9]\d{0,14})(?:\.\d{1,15})?")
"""A field written as a plain decimal: shown as a number (any other text, ``1,234`` included, stays text)."""


def _as_number(value: str) -> object:
    if not NUMBER.fullmatch(value):
        return value
    return float(value) if "." in value else int(value)


def _number_columns(records: dict[int, list[str]]) -> set[int]:
    """The positions of the value, numerator and denominator columns of the CSV's header."""
    if not records:
        return set()
    header = records[min(records)]
    return {n for n, label in enumerate(header) if LABELS.get(label_key(label)) in NUMBER_FIELDS}


def _csv_missing_rows(records: dict[int, list[str]], listed: Listed) -> list[tuple[int, list[object]]]:
    """Rows to fill for the required indicators a group lacks: (listed position, row)."""
    if not records:
        return []
    columns = {LABELS.get(label_key(label)): n for n, label in enumerate(records[min(records)])}
    if not {"unit_code", "period", "indicator_code"} <= columns.keys():
        return []
    rows = []
    for position, (sub, p) in enumerate(listed):
        if p.rule == Rule.MISSING_VALUE and p.line is None and p.indicator_code:
            row: list[object] = [None] * (max(c for c in columns.values()) + 1)
            for name, value in (("unit_code", sub.unit_code), ("period", sub.period),
                                ("indicator_code", p.indicator_code)):
                row[columns[name]] = value
            rows.append((position, row))
    return rows


def _csv_feedback(data: bytes, listed: Listed, more: int) -> bytes:
    """The problems, then the CSV's records, each on the sheet row of its line (figures as numbers), then
    a row to fill for each missing required indicator."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    records = _records(data)
    numbers = _number_columns(records)
    header_line = min(records) if records else 0
    lines: dict[int, list[Problem]] = {}
    places: Places = {}
    for position, (_, p) in enumerate(listed):
        if p.line in records:
            lines.setdefault(p.line, []).append(p)
            places[position] = (DATA_SHEET, f"A{p.line}")
    missing = _csv_missing_rows(records, listed)
    last = max(records, default=0)
    for offset, (position, _) in enumerate(missing, start=1):
        places[position] = (DATA_SHEET, f"A{last + offset}")
    book = Workbook(write_only=True)
    _add_problem_sheet(book, listed, more, places)
    sheet = book.create_sheet(DATA_SHEET)
    written = 0
    for line, record in records.items():
        for _ in range(line - written - 1):
            sheet.append([])
        cells = [set_value(WriteOnlyCell(sheet), _as_number(value) if n in numbers and line != header_line
                           else value) for n, value in enumerate(record)]
        if line in lines and cells:
            for cell in cells:
                _highlight(cell)
            _mark(cells[0], lines[line])
        sheet.append(cells)
        written = line
    for position, row in missing:
        cells = [set_value(WriteOnlyCell(sheet), value) for value in row]
        _mark(cells[0], [listed[position][1]])
        for cell in cells:
            _highlight(cell)
        sheet.append(cells)
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
