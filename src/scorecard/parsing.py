"""Submission files (contract §2) read into ``ParsedSubmission``s, with the structural problems of §3.

A workbook gives one submission, a CSV one per (unit_code, period) group. Nothing escapes as an
exception: a file that cannot be read at all becomes one submission with an ``unreadable_file`` error.
Range, ratio and history checks belong to validation, which works from the rows produced here.
"""

from __future__ import annotations

import csv
import io
import math
import os
import posixpath
import re
import string
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import PurePosixPath

from defusedxml import DefusedXmlException, ElementTree

from scorecard.archive import Parts, UnsafeArchive, check_workbook_archive
from scorecard.catalog import Catalog, Indicator, Unit
from scorecard.model import ParsedSubmission, Problem, ReportedValue
from scorecard.vocabulary import Kind, Rule

DEFAULT_MAX_FILE_MB = 20.0
DEFAULT_MAX_ROWS = 100_000
MAX_CELLS = 2_000_000
"""Most cells a sheet may span (rows × columns from A1), or fields a CSV may hold: 100,000 rows of 20. Read
into python-calamine's dense grid, then into Python lists, a cell takes about 100 bytes (2.6 million took
270 MB); a submission has a few hundred."""
MAX_LABEL_CHARS = 200
"""Longest text taken for a label: the longest alias is 14 characters, and longer text could make the
(…)-removing regex of ``_key`` quadratic."""
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})
CSV_SUFFIXES = frozenset({".csv", ".txt"})
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SHEET_NAMES = frozenset({"submission", "填报表"})

ALIASES: dict[str, tuple[str, ...]] = {
    "unit_code": ("unit_code", "单位代码"),
    "period": ("period", "报告期"),
    "submitted_at": ("submitted_at", "填报时间"),
    "contact": ("contact", "填报人"),
    "indicator_code": ("indicator_code", "指标代码"),
    "indicator_name": ("indicator_name", "指标名称"),
    "measure_unit": ("measure_unit", "计量单位"),
    "value": ("value", "数值"),
    "numerator": ("numerator", "分子"),
    "denominator": ("denominator", "分母"),
    "note": ("note", "备注"),
}
META_FIELDS = ("unit_code", "period", "submitted_at", "contact")
NUMBER_FIELDS = ("value", "numerator", "denominator")
FIELD_ZH = {"unit_code": "单位代码", "period": "报告期", "submitted_at": "填报时间", "value": "数值",
            "numerator": "分子", "denominator": "分母", "indicator_code": "指标代码",
            "measure_unit": "计量单位"}
CELL_FIELDS = (*NUMBER_FIELDS, "indicator_code", "measure_unit")
MONEY_UNIT = "万元"
MONEY_UNITS = {"元": (1, 10000), "万元": (1, 1), "亿元": (10000, 1)}  # (multiply, divide) into 万元
PERCENT_UNIT = "%"

_NOT_REPORTED = re.compile(r"^(?:[-‐‑‒–—―−/]+|无)$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:月份?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})?$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T\s].*)?$")
_LOOSE_DATETIMES = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日 %H:%M:%S",
                    "%Y年%m月%d日 %H:%M", "%Y年%m月%d日")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_REF_ATTR = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_ERROR_TYPE = re.compile(rb'\bt="e"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_ERROR_MARK = re.compile(rb' t="e"')
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b")
_CACHED = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.DOTALL)
_REFERENCE = re.compile(rb"""\br\s*=\s*["']([A-Za-z]*)0*([0-9]+)""")
"""The start of every ``r`` attribute (``XFD1048576``, ``5``) of a row or cell, and of a few look-alikes."""
_LOOSE_CELL = re.compile(rb"<(?:[^ \t\r\n<>:/!?][^ \t\r\n<>:]*:)?c(?:[/>]|[ \t\r\n]++(?!r[ \t\r\n]*+=))")
"""A cell start tag whose first attribute is not ``r``: python-calamine may place it after the last cell."""
_CELL_START = re.compile(rb"[<:]c[ \t\r\n/>]")
_ROW_TAG = re.compile(rb"[<:/]row[ \t\r\n/>]")
_UNIQUE_COUNT = re.compile(rb"""\buniqueCount\s*=\s*["']\s*\+?0*([0-9]+)""")
Grid = Sequence[Sequence[object]]
"""A sheet as python-calamine reads it: rows of cell values from A1."""
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@lru_cache(maxsize=4096)
def _key(label: object) -> str:
    """A header or metadata label reduced for matching: width, case, spaces, ``_``, ``*``, ``:`` and (…).
    Cached: every file repeats the same few labels."""
    text = unicodedata.normalize("NFKC", str(label)).casefold()
    if len(text) > MAX_LABEL_CHARS:
        return text
    text = re.sub(r"\(.*?\)", "", text)
    return re.sub(r"[\s_*:]", "", text)


LABELS = {_key(alias): name for name, aliases in ALIASES.items() for alias in aliases}


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


# --- locations and problems -------------------------------------------------------------------------


@dataclass
class _Where:
    """A cell of the chosen sheet or a physical CSV line."""

    cell: str | None = None
    line: int | None = None

    def zh(self) -> str:
        return f"单元格 {self.cell}" if self.cell else f"第 {self.line} 行" if self.line else "文件"

    def en(self) -> str:
        return f"cell {self.cell}" if self.cell else f"line {self.line}" if self.line else "the file"


def _problem(rule: Rule, where: _Where | None, zh: str, en: str, code: str | None = None) -> Problem:
    where = where or _Where()
    return Problem(rule, zh, en, cell=where.cell, line=where.line, indicator_code=code)


def _unreadable(name: str, form: str, zh: str, en: str) -> list[ParsedSubmission]:
    problem = _problem(Rule.UNREADABLE_FILE, None, f"无法读取文件：{zh}", f"cannot read the file: {en}")
    return [ParsedSubmission(file=name, form=form, problems=[problem])]  # type: ignore[arg-type]


def _over_size_limit(name: str, form: str) -> list[ParsedSubmission]:
    limit = max_file_bytes() // 1048576
    return _unreadable(name, form, f"文件超过 {limit} MB 上限",
                       f"the file is larger than the {limit} MB limit")


def refused(name: str, error: str) -> list[ParsedSubmission]:
    """The answer for a received file whose bytes were not read (``sources.FileBytes.error``): larger than
    the limit (``too_large``), or refused by the system for the reason given."""
    form = _form(name, b"") or "csv"
    if error == "too_large":
        return _over_size_limit(name, form)
    return _unreadable(name, form, f"系统拒绝读取该文件（{error}）",
                       f"the system refused to read the file ({error})")


# --- cell values (§2.3) -----------------------------------------------------------------------------


def _text(raw: object) -> str:
    """A cell as trimmed text (whole floats without ``.0``), width-normalised."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw)
    return (text if text.isascii() else unicodedata.normalize("NFKC", text)).strip()  # ASCII is NFKC already


def _given(raw: object) -> bool:
    """False for an empty cell and for the "not reported" markers ``-``, ``—``, ``/``, ``无``."""
    return not (raw is None or (isinstance(raw, str) and (not _text(raw) or _NOT_REPORTED.match(_text(raw)))))


def _number(raw: object, percent_ok: bool) -> float | None:
    """The number in a given cell, or None when it is not one (booleans and dates are not)."""
    if isinstance(raw, bool) or isinstance(raw, date | time | timedelta):
        return None
    if isinstance(raw, int | float):
        return float(raw) if math.isfinite(raw) else None
    text = _text(raw).replace(" ", "").replace("\u2212", "-")  # U+2212 is the typographic minus
    if percent_ok and text.endswith("%"):
        text = text[:-1]
    if _GROUPED.match(text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None  # float() reads 1e400 as infinity


def _period(raw: object) -> tuple[int, int] | None:
    """(year, month) of a period cell: ``2026-09``, ``2026/9``, ``2026年9月``, ``202609``, a date …"""
    if isinstance(raw, date):
        return raw.year, raw.month
    text = _text(raw)
    match = _YEAR_MONTH.match(text) or _COMPACT.match(text) or _DATE.match(text)
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2]), match.group(3) if match.re.groups > 2 else None
    try:
        date(year, month, int(day or 1))
    except ValueError:
        return None
    return year, month


def normalise_period(raw: object) -> str | None:
    """``YYYY-MM`` for any period spelling the contract accepts (from 2000-01 on), else None."""
    parsed = _period(raw)
    return f"{parsed[0]:04d}-{parsed[1]:02d}" if parsed and parsed[0] >= 2000 else None


def _timestamp(raw: object) -> datetime | None:
    """``submitted_at`` from ISO text or an Excel date; an aware time becomes naive UTC."""
    stamp: datetime | None = None
    if isinstance(raw, datetime):
        stamp = raw
    elif isinstance(raw, date):
        stamp = datetime.combine(raw, time())
    elif isinstance(raw, str):
        stamp = _parse_timestamp(_text(raw))
    if stamp is not None and stamp.tzinfo is not None:
        return stamp.astimezone(UTC).replace(tzinfo=None)
    return stamp


def _parse_timestamp(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in _LOOSE_DATETIMES:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


# --- the form-independent model of what was read -----------------------------------------------------


@dataclass
class _Field:
    """One cell or CSV field as read: its raw value, where it is, and why it has no usable value."""

    raw: object
    where: _Where
    broken: str | None = None  # "formula" (no cached value) or an Excel error such as "#DIV/0!"


@dataclass
class _Row:
    fields: dict[str, _Field]
    where: _Where  # the indicator_code cell, or the CSV line

    def get(self, name: str) -> _Field | None:
        return self.fields.get(name)


@dataclass
class _Draft:
    """A submission before checking: metadata fields, table rows and problems found while reading."""

    file: str
    form: str
    meta: dict[str, _Field] = field(default_factory=dict)
    rows: list[_Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sheet: str | None = None
    has_table: bool = True  # False when no table header was found: nothing to call missing


def _broken_problem(f: _Field, label: str, code: str | None = None) -> Problem:
    if f.broken == "formula":
        return _problem(Rule.FORMULA_WITHOUT_VALUE, f.where,
                        f"{f.where.zh()}（{FIELD_ZH.get(label, label)}）是没有计算结果的公式，请在 Excel 中"
                        "重新计算并保存，或直接填写数值",
                        f"{f.where.en()} ({label}) is a formula without a calculated value: recalculate and "
                        "save the workbook in Excel, or type the value", code)
    return _problem(Rule.NOT_A_NUMBER, f.where,
                    f"{f.where.zh()}（{FIELD_ZH.get(label, label)}）的公式结果为错误 {f.broken}，请更正",
                    f"{f.where.en()} ({label}) holds the error {f.broken}: correct the formula", code)


# --- checking a draft into a ParsedSubmission ----------------------------------------------------------


class _Checker:
    """Turns a draft into a ParsedSubmission, reporting every structural problem (contract §3)."""

    def __init__(self, draft: _Draft, catalog: Catalog, today: date) -> None:
        self.draft = draft
        self.catalog = catalog
        self.today = today
        self.result = ParsedSubmission(file=draft.file, form=draft.form,  # type: ignore[arg-type]
                                       sheet=draft.sheet, problems=list(draft.problems))
        self.unit: Unit | None = None

    def add(self, problem: Problem) -> None:
        self.result.problems.append(problem)

    def run(self) -> ParsedSubmission:
        self.check_unit()
        self.check_period()
        self.check_submitted_at()
        contact = self.draft.meta.get("contact")
        self.result.contact = (_text(contact.raw) or None) if contact else None
        reported = self.check_rows()
        self.check_missing(reported)
        return self.result

    def check_unit(self) -> None:
        f = self.draft.meta.get("unit_code")
        if f is None or f.broken or not _text(f.raw):
            return
        code = _text(f.raw)
        code = self.catalog.unit_spellings.get(code.upper(), code)
        self.result.unit_code = code
        self.unit = self.catalog.units.get(code)
        if self.unit is None:
            self.add(_problem(Rule.UNKNOWN_UNIT, f.where,
                              f"{f.where.zh()}：单位代码“{code}”不在单位目录中，请填写本单位的代码（如 C01）",
                              f"{f.where.en()}: unit_code '{code}' is not in the unit catalog; write your "
                              "unit's code (such as C01)"))

    def check_period(self) -> None:
        f = self.draft.meta.get("period")
        if f is None or f.broken or not _text(f.raw):
            return
        parsed = _period(f.raw)
        if parsed is None or parsed[0] < 2000:
            self.add(_problem(Rule.BAD_PERIOD, f.where,
                              f"{f.where.zh()}：报告期“{_text(f.raw)}”无法识别，请写成 2026-09 或 2026年9月",
                              f"{f.where.en()}: period '{_text(f.raw)}' is not a month from 2000-01 on; "
                              "write it as 2026-09"))
            return
        year, month = parsed
        self.result.period = f"{year:04d}-{month:02d}"
        if (year, month) > (self.today.year, self.today.month):
            self.add(_problem(Rule.FUTURE_PERIOD, f.where,
                              f"{f.where.zh()}：报告期 {self.result.period} 晚于当前月份，请检查年份和月份",
                              f"{f.where.en()}: period {self.result.period} is later than the current "
                              "month; check the year and month"))

    def check_submitted_at(self) -> None:
        f = self.draft.meta.get("submitted_at")
        if f is None or f.broken or not _text(f.raw):
            return
        self.result.submitted_at = _timestamp(f.raw)
        if self.result.submitted_at is None:
            self.add(_problem(Rule.MISSING_METADATA, f.where,
                              f"{f.where.zh()}：填报时间“{_text(f.raw)}”无法识别，请写成 2026-10-05 10:30",
                              f"{f.where.en()}: submitted_at '{_text(f.raw)}' is not a date-time; write it "
                              "as 2026-10-05 10:30"))

    def check_rows(self) -> dict[str, _Row]:
        """Read every row; returns the first row of each indicator code met."""
        first: dict[str, _Row] = {}
        spellings = self.catalog.indicator_spellings
        for row in self.draft.rows:
            code = _text(row.fields["indicator_code"].raw)
            code = spellings.get(code.upper(), code)
            kept = self.check_row(row, code, duplicate=code in first)
            first.setdefault(code, row)
            if kept is not None:
                self.result.rows.append(kept)
        return first

    def check_row(self, row: _Row, code: str, duplicate: bool) -> ReportedValue | None:
        indicator = self.catalog.indicators.get(code)
        out = ReportedValue(indicator_code=code, line=row.where.line,
                            cells={n: f.where.cell for n, f in row.fields.items()
                                   if f.where.cell and n in CELL_FIELDS})
        note = row.get("note")
        out.note = (_text(note.raw) or None) if note else None
        given = self.read_numbers(row, indicator, code, out)
        if indicator is None:
            out.invalid_fields.add("indicator_code")
            self.add(_problem(Rule.UNKNOWN_INDICATOR, row.where,
                              f"{row.where.zh()}：指标代码“{code}”不在指标目录中，请使用填报模板中的代码",
                              f"{row.where.en()}: indicator_code '{code}' is not in the catalog; use the "
                              "codes of the blank form", code))
        elif self.unit is not None and not indicator.applies(self.unit.unit_type) and given:
            out.invalid_fields.add("indicator_code")
            at = next(row.fields[n].where for n in NUMBER_FIELDS if n in given)
            self.add(_problem(Rule.NOT_APPLICABLE, at,
                              f"{at.zh()}：指标 {code}（{indicator.name_zh}）不适用于本单位，请删除该数据",
                              f"{at.en()}: indicator {code} ({indicator.name_en}) does not apply to this "
                              "unit; remove the figure", code))
        if duplicate:
            out.invalid_fields.add("indicator_code")
            self.add(_problem(Rule.DUPLICATE_INDICATOR, row.where,
                              f"{row.where.zh()}：指标 {code} 重复出现，请只保留一行",
                              f"{row.where.en()}: indicator {code} appears more than once; keep one row",
                              code))
        return out if given else None

    def read_numbers(self, row: _Row, indicator: Indicator | None, code: str,
                     out: ReportedValue) -> set[str]:
        """Fill the row's numbers (converted to the catalog unit); returns the fields the unit gave."""
        kind = indicator.kind if indicator else None
        fields = ("value",) if kind in (Kind.FLOW, Kind.STOCK) else NUMBER_FIELDS
        percent_ok = indicator is not None and indicator.measure_unit == PERCENT_UNIT
        numbers: dict[str, float | None] = {}
        given: set[str] = set()
        for name in fields:
            f = row.get(name)
            if f is None or not (f.broken or _given(f.raw)):
                continue
            given.add(name)
            if kind == Kind.RATIO and name == "value":
                continue  # a ratio's value is recomputed from numerator and denominator
            numbers[name] = self.read_number(f, name, code, percent_ok and name == "value", out)
        scale = self.scale(row, indicator, code, out, [n for n in numbers if numbers[n] is not None])
        for name, number in numbers.items():
            setattr(out, name, None if number is None or name in out.invalid_fields else scale(number))
        if kind == Kind.RATIO:
            self.ratio(row, code, out, given)
        return given

    def read_number(self, f: _Field, name: str, code: str, percent_ok: bool,
                    out: ReportedValue) -> float | None:
        if f.broken:
            out.invalid_fields.add(name)
            self.add(_broken_problem(f, name, code))
            return None
        number = _number(f.raw, percent_ok)
        if number is None:
            out.invalid_fields.add(name)
            self.add(_problem(Rule.NOT_A_NUMBER, f.where,
                              f"{f.where.zh()}：{FIELD_ZH[name]}“{_text(f.raw)}”不是数字，请只填写数字"
                              "（不报送请留空）",
                              f"{f.where.en()}: {name} '{_text(f.raw)}' is not a number; write digits only "
                              "(leave it empty when not reported)", code))
        return number

    def scale(self, row: _Row, indicator: Indicator | None, code: str, out: ReportedValue,
              numbers: list[str]) -> Callable[[float], float]:
        """A converter of this row's numbers into the catalog unit (元 and 亿元 to 万元)."""
        f = row.get("measure_unit")
        written = "".join(_text(f.raw).split()) if f else ""
        if f is None or indicator is None or not written or written == indicator.measure_unit:
            return lambda x: x
        if (indicator.measure_unit == MONEY_UNIT or indicator.kind == Kind.RATIO) and written in MONEY_UNITS:
            multiply, divide = MONEY_UNITS[written]
            return lambda x: x * multiply / divide
        out.invalid_fields.update(numbers)
        self.add(_problem(Rule.UNIT_MISMATCH, f.where,
                          f"{f.where.zh()}：计量单位“{written}”与目录规定的“{indicator.measure_unit}”不符，"
                          f"请按“{indicator.measure_unit}”填报",
                          f"{f.where.en()}: measure unit '{written}' differs from the catalog's "
                          f"'{indicator.measure_unit}'; report in {indicator.measure_unit}", code))
        return lambda x: x

    def ratio(self, row: _Row, code: str, out: ReportedValue, given: set[str]) -> None:
        n, d = out.numerator, out.denominator
        if n is not None and d is not None and d != 0:
            out.value = 100 * n / d
        if "denominator" in given and "numerator" not in given:
            at = (row.get("numerator") or row.get("value") or row.fields["indicator_code"]).where
            self.add(_problem(Rule.MISSING_VALUE, at,
                              f"{at.zh()}：指标 {code} 填了分母但没有分子，请补填分子",
                              f"{at.en()}: indicator {code} has a denominator but no numerator; fill in "
                              "the numerator", code))

    def check_missing(self, first: dict[str, _Row]) -> None:
        """missing_value for each required indicator of the unit that it did not report."""
        if self.unit is None or not self.draft.has_table:
            return
        reported = {r.indicator_code for r in self.result.rows}
        for indicator in self.catalog.applicable(self.unit):
            if not indicator.required or indicator.code in reported:
                continue
            row = first.get(indicator.code)
            at = (row.get("value") or row.fields["indicator_code"]).where if row else _Where()
            self.add(_problem(Rule.MISSING_VALUE, at,
                              f"{at.zh()}：必报指标 {indicator.code}（{indicator.name_zh}）未填报，请填写"
                              f"{'本年累计数' if indicator.kind != Kind.STOCK else '期末数'}",
                              f"{at.en()}: required indicator {indicator.code} ({indicator.name_en}) is not "
                              "reported; fill in its figure", indicator.code))


# --- workbooks (§2.1) ------------------------------------------------------------------------------


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _ref(row: int, col: int) -> str:
    return f"{_column_letters(col)}{row + 1}"


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


def _grid_extent(xml: bytes) -> tuple[int, int]:
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


def _too_large(parts: Parts) -> tuple[str, str] | None:
    """Why python-calamine must not read this workbook (in Chinese, in English), or None.

    Every part, a recurring name too, is measured as if it were the sheet calamine is going to read
    (``_grid_extent``) or its shared strings, for which calamine reserves room as declared by
    ``<sst uniqueCount>``.
    """
    limit = max_rows()
    for _, xml in parts:
        rows, columns = _grid_extent(xml)
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


def _choose_sheet(book) -> str | None:
    """The sheet named ``submission``/``填报表``, else the first visible worksheet."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    sheets = [s for s in book.sheets_metadata if s.typ == SheetTypeEnum.WorkSheet]
    named = next((s.name for s in sheets if unicodedata.normalize("NFKC", s.name).strip().casefold()
                  in SHEET_NAMES), None)
    return named or next((s.name for s in sheets if s.visible == SheetVisibleEnum.Visible), None)


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _header_index(grid: Grid) -> int | None:
    for r, cells in enumerate(grid):
        keys = {LABELS.get(_key(c)) for c in cells if isinstance(c, str) and c.strip()}
        if {"indicator_code", "value"} <= keys:
            return r
    return None


def _sheet_field(grid: Grid, broken: dict[str, str], r: int, c: int,
                 letters: str = "") -> _Field:
    ref = f"{letters}{r + 1}" if letters else _ref(r, c)
    raw = grid[r][c] if c < len(grid[r]) else None
    return _Field(raw=raw, where=_Where(cell=ref), broken=broken.get(ref))


def _workbook_meta(draft: _Draft, grid: Grid, broken: dict[str, str], end: int) -> None:
    """Read the label/value block of columns A and B above the table, reporting missing metadata."""
    labels: dict[str, int] = {}
    for r in range(end):
        name = LABELS.get(_key(grid[r][0])) if grid[r] and isinstance(grid[r][0], str) else None
        if name in META_FIELDS and name not in labels:
            labels[name] = r
            draft.meta[name] = _sheet_field(grid, broken, r, 1)
    for name in ("unit_code", "period"):
        f = draft.meta.get(name)
        if f is not None and f.broken:
            draft.problems.append(_broken_problem(f, name))
        elif f is None or not _text(f.raw):
            where = f.where if f else _Where()
            draft.problems.append(_problem(
                Rule.MISSING_METADATA, where,
                f"{where.zh()}：缺少{FIELD_ZH[name]}，请在 A 列写“{FIELD_ZH[name]}”、B 列填写内容",
                f"{where.en()}: {name} is missing; put the label '{name}' in column A and its value in "
                "column B"))
    stamp = draft.meta.get("submitted_at")
    if stamp is not None and stamp.broken:
        draft.problems.append(_broken_problem(stamp, "submitted_at"))


def _workbook_rows(draft: _Draft, grid: Grid, broken: dict[str, str], header: int) -> None:
    columns: dict[str, int] = {}
    for c, label in enumerate(grid[header]):
        name = LABELS.get(_key(label)) if isinstance(label, str) else None
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
            draft.problems.append(_broken_problem(code, "indicator_code"))
        elif _text(code.raw):
            draft.rows.append(_Row(fields=fields, where=code.where))


def _read_workbook(name: str, data: bytes) -> _Draft | list[ParsedSubmission]:
    """A draft of the workbook's submission, or the unreadable_file answer."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        parts = check_workbook_archive(data)  # inflated once here, then measured and searched, not re-read
        named = dict(parts)  # where a name recurs, the last part, as zipfile's reader takes it
        if "xl/workbook.xml" not in named:
            return _unreadable(name, "xlsx", "这不是 Excel 工作簿，请另存为 .xlsx 格式",
                               "this is not an Excel workbook; save it as .xlsx")
        too_large = _too_large(parts)
        if too_large:
            return _unreadable(name, "xlsx", *too_large)
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = _choose_sheet(book)
        if sheet is None:
            return _unreadable(name, "xlsx", "工作簿中没有可见的工作表", "the workbook has no visible sheet")
        grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except UnsafeArchive as exc:
        return _unreadable(name, "xlsx", exc.zh, exc.en)
    except BaseException as exc:
        # beside the errors of a damaged file: a duration cell beyond timedelta's range (OverflowError), and a
        # panic of calamine's Rust code (a date cell of -1e308), which pyo3 raises as PanicException
        damaged = isinstance(exc, CalamineError | ValueError | OSError | OverflowError)
        if not damaged and type(exc).__name__ != "PanicException":
            raise
        return _unreadable(name, "xlsx", f"工作簿已损坏，请重新保存后再报送（{exc}）",
                           f"the workbook is damaged; save it again and resend ({exc})")
    draft = _Draft(file=name, form="xlsx", sheet=sheet)
    broken = _broken_cells(named, sheet)
    header = _header_index(grid)
    _workbook_meta(draft, grid, broken, len(grid) if header is None else header)
    if header is None:
        draft.has_table = False
        draft.problems.append(_problem(
            Rule.MISSING_METADATA, None,
            f"工作表“{sheet}”中找不到表头行（需包含“指标代码”和“数值”两列），请使用填报模板",
            f"sheet '{sheet}' has no table header (a row with indicator_code and value); use the blank form"))
    else:
        _workbook_rows(draft, grid, broken, header)
    return draft


# --- CSV (§2.2) ------------------------------------------------------------------------------------


def _decode(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text.removeprefix("\ufeff")
    return None


def _line_count(text: str) -> int:
    """Physical lines of ``text``, ended as the csv module ends them: CR LF, LF or CR."""
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    return breaks + (not text.endswith(("\n", "\r")))


def _delimiter(text: str) -> str:
    """The first of ``,``, tab and ``;`` found on the first line (``,`` when none is)."""
    first_line = text.split("\n", 1)[0]
    return next((d for d in (",", "\t", ";") if d in first_line), ",")


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank CSV records with the physical line each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    start = 1
    for record in reader:
        if any(cell.strip() for cell in record):
            yield start, record
        start = reader.line_num + 1


def _csv_drafts(name: str, text: str) -> list[_Draft] | list[ParsedSubmission]:
    records = _records(text)
    line = 0  # where the last record read starts
    try:
        line, header = next(records, (1, []))
        columns: dict[str, int] = {}
        for c, label in enumerate(header):
            if LABELS.get(_key(label)):
                columns.setdefault(LABELS[_key(label)], c)
        missing = [c for c in ("unit_code", "period", "indicator_code", "value") if c not in columns]
        if missing:
            return _missing_columns(name, line, missing)
        groups: dict[tuple[str, str], _Draft] = {}
        for line, record in records:
            fields = {n: _Field(record[c] if c < len(record) else "", _Where(line=line))
                      for n, c in columns.items()}
            _csv_row(name, groups, fields, line)
    except csv.Error:  # once NULs are refused, only a field longer than csv.field_size_limit()
        line, limit = line + 1, csv.field_size_limit()
        return _unreadable(name, "csv", f"第 {line} 行起有超过 {limit:,} 个字符的字段（是否有引号未闭合？）",
                           f"a field from line {line} on is longer than {limit:,} characters (is a quote "
                           "left open?)")
    if not groups:
        return [ParsedSubmission(file=name, form="csv", problems=[_problem(
            Rule.MISSING_METADATA, None, "文件只有表头，没有数据行",
            "the file has a header but no data rows")])]
    return list(groups.values())


def _missing_columns(name: str, header_line: int, missing: list[str]) -> list[ParsedSubmission]:
    where = _Where(line=header_line)
    return [ParsedSubmission(file=name, form="csv", problems=[_problem(
        Rule.MISSING_METADATA, where,
        f"第 {header_line} 行表头缺少列：{', '.join(missing)}（表头应为 unit_code,period,indicator_code,"
        "value,numerator,denominator,note）",
        f"the header on line {header_line} lacks the columns {', '.join(missing)} (expected unit_code, "
        "period, indicator_code, value, numerator, denominator, note)")])]


def _csv_row(name: str, groups: dict[tuple[str, str], _Draft], fields: dict[str, _Field], line: int) -> None:
    """File one CSV record under its (unit_code, period) group."""
    unit, period = _text(fields["unit_code"].raw), _text(fields["period"].raw)
    parsed = _period(period)
    key = (unit.upper(), f"{parsed[0]:04d}-{parsed[1]:02d}" if parsed else period)
    draft = groups.get(key)
    if draft is None:
        draft = groups[key] = _Draft(file=name, form="csv")
        draft.meta = {n: fields[n] for n in ("unit_code", "period") if _text(fields[n].raw)}
    for meta_name in ("submitted_at", "contact"):
        if meta_name not in draft.meta and meta_name in fields and _text(fields[meta_name].raw):
            draft.meta[meta_name] = fields[meta_name]
    lacking = [n for n in ("unit_code", "period") if not _text(fields[n].raw)]
    if lacking:
        where = _Where(line=line)
        draft.problems.append(_problem(
            Rule.MISSING_METADATA, where,
            f"第 {line} 行缺少{'、'.join(FIELD_ZH[n] for n in lacking)}，请补填",
            f"line {line} has no {' or '.join(lacking)}; fill it in"))
    if _text(fields["indicator_code"].raw):
        draft.rows.append(_Row(fields={n: f for n, f in fields.items() if n not in META_FIELDS},
                               where=_Where(line=line)))


# --- entry point -----------------------------------------------------------------------------------


def _form(name: str, data: bytes) -> str | None:
    """``xlsx`` or ``csv`` by suffix, else by content; None for anything else."""
    suffix = PurePosixPath(name.replace("\\", "/").split("?", 1)[0]).suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return "xlsx"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in (".xls", ".pdf", ".doc", ".docx", ".ods", ".et", ".wps"):
        return None
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    return None if data.startswith(OLE2_MAGIC) else "csv"


def _read(name: str, data: bytes) -> list[_Draft] | list[ParsedSubmission]:
    form = _form(name, data)
    if not data.strip():
        return _unreadable(name, form or "csv", "文件为空", "the file is empty")
    if len(data) > max_file_bytes():
        return _over_size_limit(name, form or "csv")
    if data.startswith(OLE2_MAGIC):
        return _unreadable(name, form or "xlsx", "文件已加密或为旧版 .xls 格式，请取消密码并另存为 .xlsx",
                           "the file is encrypted or an old .xls; remove the password and save it as .xlsx")
    if form is None:
        return _unreadable(name, "csv", "文件类型不受支持，请报送 .xlsx 工作簿或 .csv 文件",
                           "this file type is not accepted; send an .xlsx workbook or a .csv file")
    if form == "xlsx":
        if not data.startswith(ZIP_MAGIC):
            return _unreadable(name, "xlsx", "工作簿已损坏或不是 .xlsx 文件，请重新保存",
                               "the workbook is damaged or not an .xlsx file; save it again")
        draft = _read_workbook(name, data)
        return [draft] if isinstance(draft, _Draft) else draft
    text = _decode(data)
    if text is None:
        return _unreadable(name, "csv", "CSV 文件编码无法识别，请另存为 UTF-8 编码",
                           "the CSV file is neither UTF-8 nor GB18030 text; save it as UTF-8")
    if "\x00" in text:
        return _unreadable(name, "csv", "文件含有空字符（NUL），不是文本文件，请另存为 UTF-8 编码的 CSV",
                           "the file holds NUL characters, so it is not text; save it as a UTF-8 CSV")
    if _line_count(text) > max_rows():
        return _unreadable(name, "csv", f"文件超过 {max_rows():,} 行，远多于任何报表",
                           f"the file has more than {max_rows():,} lines, far more than any submission")
    if text.count(_delimiter(text)) > MAX_CELLS:
        return _unreadable(name, "csv", f"文件的字段超过 {MAX_CELLS:,} 个，远多于任何报表",
                           f"the file has more than {MAX_CELLS:,} fields, far more than any submission")
    return _csv_drafts(name, text)


def parse_file(name: str, data: bytes, catalog: Catalog, today: date | None = None) -> list[ParsedSubmission]:
    """Parse one received file into its submissions, with every structural problem found (contract §2, §3).

    ``name`` is what reports show as ``file``; ``today`` (default: the current date) decides
    ``future_period``.
    """
    today = today or date.today()
    return [_Checker(d, catalog, today).run() if isinstance(d, _Draft) else d for d in _read(name, data)]
