"""A workbook's layout (contract §2.1) read into a draft: the archive checked and measured before
python-calamine reads it, the sheet chosen, its broken cells found, its metadata block and its table read."""

from __future__ import annotations

import io
import posixpath
import re
import string
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from defusedxml import DefusedXmlException, ElementTree

from scorecard.archive import UnsafeArchive, check_workbook_archive
from scorecard.model import ParsedSubmission
from scorecard.parsing.drafts import Draft, Field, Row, Where, broken_problem, problem, unreadable
from scorecard.parsing.labels import FIELD_ZH, LABELS, META_FIELDS, label_key
from scorecard.parsing.limits import workbook_too_large
from scorecard.parsing.values import cell_text
from scorecard.vocabulary import Rule

if TYPE_CHECKING:
    from python_calamine import CalamineWorkbook

SHEET_NAMES = frozenset({"submission", "填报表"})
"""The names of a submission's data sheet; failing them, the first visible worksheet is read."""
PROBLEMS_SHEET = "问题清单 Problems"
"""The sheet a feedback workbook puts in front of the clerk's own: never read as the data, so that the
marked copy, fixed and sent back, is read from the clerk's sheet whatever its name."""
Grid = Sequence[Sequence[object]]
"""A sheet as python-calamine reads it: rows of cell values from A1."""

_CELL_TAG = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_REF_ATTR = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_ERROR_TYPE = re.compile(rb'\bt="e"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_ERROR_MARK = re.compile(rb' t="e"')
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b")
_CACHED = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.DOTALL)
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def read_workbook(name: str, data: bytes) -> Draft | list[ParsedSubmission]:
    """A draft of the workbook's submission, or the unreadable_file answer."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        parts = check_workbook_archive(data)  # inflated once here, then measured and searched, not re-read
        named = dict(parts)  # where a name recurs, the last part, as zipfile's reader takes it
        if "xl/workbook.xml" not in named:
            return unreadable(name, "xlsx", "这不是 Excel 工作簿，请另存为 .xlsx 格式",
                              "this is not an Excel workbook; save it as .xlsx")
        too_large = workbook_too_large(parts)
        if too_large:
            return unreadable(name, "xlsx", *too_large)
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = _choose_sheet(book)
        if sheet is None:
            return unreadable(name, "xlsx", "工作簿中没有可见的工作表", "the workbook has no visible sheet")
        grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except UnsafeArchive as exc:
        return unreadable(name, "xlsx", exc.zh, exc.en)
    except BaseException as exc:
        # beside the errors of a damaged file: a duration cell beyond timedelta's range (OverflowError), and a
        # panic of calamine's Rust code (a date cell of -1e308), which pyo3 raises as PanicException
        damaged = isinstance(exc, CalamineError | ValueError | OSError | OverflowError)
        if not damaged and type(exc).__name__ != "PanicException":
            raise
        return unreadable(name, "xlsx", f"工作簿已损坏，请重新保存后再报送（{exc}）",
                          f"the workbook is damaged; save it again and resend ({exc})")
    draft = Draft(file=name, form="xlsx", sheet=sheet)
    broken = _broken_cells(named, sheet)
    header = _header_index(grid)
    _read_meta(draft, grid, broken, len(grid) if header is None else header)
    if header is None:
        draft.has_table = False
        draft.problems.append(problem(
            Rule.MISSING_METADATA, None,
            f"工作表“{sheet}”中找不到表头行（需包含“指标代码”和“数值”两列），请使用填报模板",
            f"sheet '{sheet}' has no table header (a row with indicator_code and value); use the blank form"))
    else:
        _read_rows(draft, grid, broken, header)
    return draft


def _choose_sheet(book: CalamineWorkbook) -> str | None:
    """The sheet named ``submission``/``填报表``, else the first visible worksheet (a feedback's problem
    list aside)."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    sheets = [s for s in book.sheets_metadata
              if s.typ == SheetTypeEnum.WorkSheet and s.name != PROBLEMS_SHEET]
    named = next((s.name for s in sheets if unicodedata.normalize("NFKC", s.name).strip().casefold()
                  in SHEET_NAMES), None)
    return named or next((s.name for s in sheets if s.visible == SheetVisibleEnum.Visible), None)


def _sheet_part(named: Mapping[str, bytes], sheet: str) -> str | None:
    """The part holding the worksheet named ``sheet``, resolved through the workbook's relations."""
    book = ElementTree.fromstring(named["xl/workbook.xml"])
    rel_id = next((s.get(_REL_NS) for s in book.iter()
                   if s.tag.endswith("}sheet") and s.get("name") == sheet), None)
    rels = ElementTree.fromstring(named["xl/_rels/workbook.xml.rels"])
    target = next((r.get("Target") for r in rels if r.get("Id") == rel_id), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")


def _broken_cells(named: Mapping[str, bytes], sheet: str) -> dict[str, str]:
    """Cells of ``sheet`` whose formula has no cached value ("formula") or whose value is an Excel error.

    python-calamine reads both as empty; one regex pass over the sheet's XML, looking only at the cells
    that hold a formula or an error, tells them apart.
    """
    try:
        part = _sheet_part(named, sheet)
        xml = named[part] if part else b""
    except (KeyError, ElementTree.ParseError, DefusedXmlException):
        return {}
    broken: dict[str, str] = {}
    found = _SHEET_DATA.search(xml)
    prefix = (found[1] or b"") if found else b""
    formulas = re.compile(re.escape(b"<" + prefix + b"f") + rb"[\s>/]")
    marks = sorted([m.start() for m in formulas.finditer(xml)]
                   + [m.start() for m in _ERROR_MARK.finditer(xml)])
    done = -1
    for mark in marks:  # only the cells holding a formula or an error, not every cell
        start = xml.rfind(b"<" + prefix + b"c ", 0, mark)
        cell = _CELL_TAG.match(xml, start) if start > done else None
        if cell is None:
            continue
        done = start
        attrs, body = cell[1], cell[2] or b""
        ref = _REF_ATTR.search(attrs)
        cached = _CACHED.search(body)
        if ref is None:
            continue
        if _ERROR_TYPE.search(attrs) and cached:
            broken[ref[1].decode()] = cached[1].decode(errors="replace")
        elif _FORMULA.search(body) and not (cached and (cached[1] or b't="str"' in attrs)):
            broken[ref[1].decode()] = "formula"
    return broken


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _ref(row: int, col: int) -> str:
    return f"{_column_letters(col)}{row + 1}"


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _header_index(grid: Grid) -> int | None:
    for r, cells in enumerate(grid):
        keys = {LABELS.get(label_key(c)) for c in cells if isinstance(c, str) and c.strip()}
        if {"indicator_code", "value"} <= keys:
            return r
    return None


def _sheet_field(grid: Grid, broken: dict[str, str], r: int, c: int, letters: str = "") -> Field:
    ref = f"{letters}{r + 1}" if letters else _ref(r, c)
    raw = grid[r][c] if c < len(grid[r]) else None
    return Field(raw=raw, where=Where(cell=ref), broken=broken.get(ref))


def _read_meta(draft: Draft, grid: Grid, broken: dict[str, str], end: int) -> None:
    """Read the label/value block of columns A and B above the table, reporting missing metadata."""
    labels: dict[str, int] = {}
    for r in range(end):
        name = LABELS.get(label_key(grid[r][0])) if grid[r] and isinstance(grid[r][0], str) else None
        if name in META_FIELDS and name not in labels:
            labels[name] = r
            draft.meta[name] = _sheet_field(grid, broken, r, 1)
    for name in ("unit_code", "period"):
        f = draft.meta.get(name)
        if f is not None and f.broken:
            draft.problems.append(broken_problem(f, name))
        elif f is None or not cell_text(f.raw):
            where = f.where if f else Where()
            draft.problems.append(problem(
                Rule.MISSING_METADATA, where,
                f"{where.zh()}：缺少{FIELD_ZH[name]}，请在 A 列写“{FIELD_ZH[name]}”、B 列填写内容",
                f"{where.en()}: {name} is missing; put the label '{name}' in column A and its value in "
                "column B"))
    stamp = draft.meta.get("submitted_at")
    if stamp is not None and stamp.broken:
        draft.problems.append(broken_problem(stamp, "submitted_at"))


def _read_rows(draft: Draft, grid: Grid, broken: dict[str, str], header: int) -> None:
    """Read the table below the header row, up to its first blank row."""
    columns: dict[str, int] = {}
    for c, label in enumerate(grid[header]):
        name = LABELS.get(label_key(label)) if isinstance(label, str) else None
        if name and name not in META_FIELDS:
            columns.setdefault(name, c)
    letters = {c: _column_letters(c) for c in columns.values()}
    broken_rows = {int(ref.lstrip(string.ascii_uppercase)) - 1 for ref in broken}
    for r in range(header + 1, len(grid)):
        if all(_blank(v) for v in grid[r]) and r not in broken_rows:
            break
        fields = {name: _sheet_field(grid, broken, r, c, letters[c]) for name, c in columns.items()}
        code = fields["indicator_code"]
        if code.broken:
            draft.problems.append(broken_problem(code, "indicator_code"))
        elif cell_text(code.raw):
            draft.rows.append(Row(fields=fields, where=code.where))
