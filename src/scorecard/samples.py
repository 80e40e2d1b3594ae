"""Sample submissions written to the contract (§2): a realistic year for the sample city, synthetic months
for benchmarks.

Everything here is deterministic: the same catalog, targets and seed give byte-identical files. Figures
follow the annual targets at a pace that differs by unit (some ahead, some behind, a couple clearly
lagging), so that a snapshot of the generated year shows every status. A handful of deliberately bad
files each break exactly one rule of §3; their names carry the rule id after ``_bad-``.
"""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scorecard import catalog as catalog_module
from scorecard import config
from scorecard.catalog import Catalog, Indicator, Unit
from scorecard.targets import Target
from scorecard.vocabulary import AppliesTo, Kind, Rule, UnitType

if TYPE_CHECKING:
    from openpyxl import Workbook

BAD_MARK = "_bad-"
"""File names of deliberately bad samples contain ``_bad-<rule id>``."""

NEEDS_HISTORY = frozenset({Rule.CUMULATIVE_DECREASE})
"""Rules that a bad sample trips only against the figures accepted before it (in receiving order)."""

COUNT_UNITS = frozenset({"家", "个", "项", "人", "家次"})
MONEY_UNIT = "万元"
MONEY_ALIASES = {"元": 10_000.0, "亿元": 1 / 10_000}
"""How many of each money unit make one 万元 figure: a 万元 value times this factor."""

_PACES = (1.22, 1.04, 0.95, 0.82, 0.97, 1.08, 1.0, 0.78, 0.93)
"""Pace of the nth unit against its targets: > 1 ahead, < 0.9 lagging."""

_CONTACTS = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄涛", "周丽", "吴强")

META_LABELS = {
    "zh": {"unit_code": "单位代码", "period": "报告期", "submitted_at": "填报时间", "contact": "填报人"},
    "en": {"unit_code": "Unit_Code", "period": "Period", "submitted_at": "Submitted_At",
           "contact": "Contact"},
}
HEADERS = {
    "zh": {"seq": "序号", "indicator_code": "指标代码", "indicator_name": "指标名称",
           "measure_unit": "计量单位", "value": "数值", "numerator": "分子", "denominator": "分母",
           "note": "备注",
           "unit_code": "单位代码", "period": "报告期"},
    "en": {"seq": "no.", "indicator_code": "indicator_code", "indicator_name": "indicator_name",
           "measure_unit": "measure_unit", "value": "value", "numerator": "numerator",
           "denominator": "denominator", "note": "note", "unit_code": "unit_code", "period": "period"},
}
CSV_COLUMNS = ("unit_code", "period", "indicator_code", "value", "numerator", "denominator", "note")


@dataclass(frozen=True)
class Figure:
    """One indicator of a submission in the catalog's measure unit; a ratio gives numerator/denominator."""

    code: str
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    note: str | None = None
    typed: str | None = None
    """What the unit typed in the value cell instead of a number (bad samples only)."""


@dataclass(frozen=True)
class Report:
    """One unit's report for one month, before it is written in some form."""

    unit_code: str
    period: str
    submitted_at: datetime
    contact: str
    figures: tuple[Figure, ...]

    def figure(self, code: str) -> Figure | None:
        return next((f for f in self.figures if f.code == code), None)

    def with_figure(self, figure: Figure) -> Report:
        """This report with ``figure`` replacing the one of the same indicator (or appended)."""
        figures = [figure if f.code == figure.code else f for f in self.figures]
        if self.figure(figure.code) is None:
            figures.append(figure)
        return replace(self, figures=tuple(figures))


@dataclass(frozen=True)
class WorkbookStyle:
    """How one unit lays out its workbook: all within contract §2.1 and §2.3."""

    language: str = "zh"
    sheet: str = "填报表"
    columns: tuple[str, ...] = ("indicator_code", "indicator_name", "measure_unit", "value", "numerator",
                                "denominator", "note")
    meta_order: tuple[str, ...] = ("unit_code", "period", "submitted_at", "contact")
    period_format: str = "iso"
    """``iso`` 2026-09, ``slash`` 2026/9, ``zh`` 2026年9月, ``date`` an Excel date."""
    submitted_as_text: bool = False
    title: bool = False
    cover_sheet: bool = False
    text_numbers: bool = False
    full_width: bool = False
    money_units: bool = False
    list_all: bool = False
    not_reported: str = "—"
    percent_text: bool = False


@dataclass(frozen=True)
class CsvStyle:
    """How one unit writes its CSV (contract §2.2)."""

    language: str = "en"
    encoding: str = "utf-8-sig"
    months_per_file: int = 1


Style = WorkbookStyle | CsvStyle

UNIT_STYLES: tuple[Style, ...] = (
    WorkbookStyle(columns=("seq", "indicator_name", "indicator_code", "measure_unit", "value", "numerator",
                           "denominator", "note"),
                  title=True, cover_sheet=True, list_all=True, percent_text=True),
    WorkbookStyle(language="en", sheet="submission", period_format="slash", submitted_as_text=True,
                  meta_order=("period", "unit_code", "contact", "submitted_at"),
                  columns=("indicator_code", "indicator_name", "value", "measure_unit", "numerator",
                           "denominator", "note")),
    WorkbookStyle(period_format="zh", text_numbers=True,
                  columns=("indicator_code", "value", "measure_unit", "indicator_name", "note", "numerator",
                           "denominator")),
    CsvStyle(language="en", encoding="utf-8-sig"),
    WorkbookStyle(period_format="date", money_units=True, list_all=True, not_reported="-"),
    WorkbookStyle(language="en", period_format="date", list_all=True, not_reported="/",
                  columns=("indicator_name", "indicator_code", "measure_unit", "value", "numerator",
                           "denominator")),
    CsvStyle(language="zh", encoding="gb18030"),
    WorkbookStyle(sheet="Sheet1", period_format="zh", full_width=True, text_numbers=True,
                  submitted_as_text=True, list_all=True, not_reported="无"),
    CsvStyle(language="en", encoding="utf-8", months_per_file=3),
)
"""The nth unit of the catalog writes in the (n mod 9)th style."""


# --------------------------------------------------------------------------------------------------------
# Figures


def _decimals(indicator: Indicator) -> int:
    if indicator.measure_unit in COUNT_UNITS:
        return 0
    return 1 if indicator.measure_unit == MONEY_UNIT else 2


def _round(indicator: Indicator, value: float) -> float:
    value = max(0.0, value)
    if indicator.max_value is not None:
        value = min(value, indicator.max_value)
    digits = _decimals(indicator)
    return float(round(value)) if digits == 0 else round(value, digits)


def _period(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _submitted(year: int, month: int, rng: random.Random, day: int | None = None) -> datetime:
    """When a unit sent its report for ``year-month``: a working day early the next month."""
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, day or rng.randint(3, 9), rng.randint(8, 17), rng.randint(0, 59),
                    rng.randint(0, 59))


def synthetic_target(indicator: Indicator, unit_code: str, seed: int = 7) -> float:
    """A plausible annual target for a unit without one (in the indicator's measure unit)."""
    rng = random.Random(f"target:{seed}:{unit_code}:{indicator.code}")
    if indicator.kind == Kind.RATIO:
        return round(rng.uniform(5.0, 10.0), 1)
    top = indicator.max_value or 1000.0
    return max(1.0, _round(indicator, top * rng.uniform(0.005, 0.03)))


def read_targets(path: Path) -> dict[tuple[str, str], float]:
    """``(unit_code, indicator_code) → target`` of a target CSV (contract §1)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {(r["unit_code"], r["indicator_code"]): float(r["target"]) for r in csv.DictReader(handle)}


def default_targets(catalog: Catalog, year: int, seed: int = 7) -> dict[tuple[str, str], float]:
    """The shipped targets of ``year`` for the catalog's units when there are any, else synthetic ones."""
    path = config.DEFAULTS_DIR / f"targets_{year}.csv"
    shipped = read_targets(path) if path.exists() else {}
    targets = {k: v for k, v in shipped.items() if k[0] in catalog.units}
    if targets:
        return targets
    return {(t.unit_code, t.indicator_code): t.target for t in synthetic_targets(catalog, year, seed)}


def _optional_months(catalog: Catalog, targets: Mapping[tuple[str, str], float],
                     through_month: int) -> dict[tuple[str, str], range]:
    """Which optional indicators each unit reports, and in which months (0 = December of the year before).

    A unit reports an optional indicator it has a target for, except that the second unit never reports
    its last one (a ``no_data`` row); the third unit reports one it has no target for (``no_target``);
    the last unit starts reporting one in April.
    """
    units = list(catalog.units.values())
    optional = [i for i in catalog.indicators.values() if not i.required]
    months = range(0, through_month + 1)
    plan = {(u.code, i.code): months for u in units for i in optional
            if i.applies(u.unit_type) and (u.code, i.code) in targets}
    if len(units) > 1:
        dropped = [k for k in plan if k[0] == units[1].code]
        if dropped:
            del plan[dropped[-1]]
    for position, start in ((2, 0), (len(units) - 1, 4)):
        if 0 < position < len(units):
            unit = units[position]
            extra = next((i for i in optional
                          if i.applies(unit.unit_type) and (unit.code, i.code) not in plan), None)
            if extra is not None:
                plan[(unit.code, extra.code)] = range(start, through_month + 1)
    return plan


def _flow_path(indicator: Indicator, target: float, pace: float, through: int,
               rng: random.Random) -> list[float]:
    """Year-to-date figures, index 0 = last year's total, then months 1..through, never decreasing."""
    previous_year = _round(indicator, target * rng.uniform(0.8, 1.0))
    path, cumulative, last = [previous_year], 0.0, 0.0
    for month in range(1, through + 1):
        step = indicator.share(month) - (indicator.share(month - 1) if month > 1 else 0.0)
        cumulative += target * pace * step * rng.uniform(0.75, 1.25)
        last = max(last, _round(indicator, cumulative))
        path.append(last)
    return path


def _stock_path(indicator: Indicator, target: float, pace: float, through: int,
                rng: random.Random) -> list[float]:
    """End-of-month levels, index 0 = December of the year before (the baseline)."""
    baseline = target * rng.uniform(0.82, 0.92)
    path = [_round(indicator, baseline)]
    for month in range(1, through + 1):
        level = baseline + (target - baseline) * month / 12 * pace + target * rng.uniform(-0.01, 0.01)
        path.append(_round(indicator, level))
    return path


def _ratio_path(indicator: Indicator, target: float, pace: float, through: int,
                rng: random.Random) -> list[tuple[float, float]]:
    """(numerator, denominator) in 万元, year to date; index 0 = last year's full year."""
    budget = rng.uniform(300_000, 700_000)
    share = target * pace / 100
    last_year = round(budget * rng.uniform(0.9, 1.0), 1)
    path = [(round(last_year * share * rng.uniform(0.9, 1.0), 1), last_year)]
    numerator = denominator = 0.0
    last = (0.0, 0.0)
    for _month in range(1, through + 1):
        step = budget / 12 * rng.uniform(0.8, 1.2)
        denominator += step
        numerator += step * share * rng.uniform(0.9, 1.1)
        last = (max(last[0], round(numerator, 1)), max(last[1], round(denominator, 1)))
        path.append(last)
    return path


def year_reports(catalog: Catalog, year: int = 2026, through_month: int = 10, seed: int = 7,
                 targets: Mapping[tuple[str, str], float] | None = None) -> dict[tuple[str, str], Report]:
    """The true reports of every unit for December of ``year - 1`` and months 1..``through_month``.

    The last unit of the catalog has not reported ``through_month`` yet. Keys are (unit_code, period).
    """
    targets = default_targets(catalog, year, seed) if targets is None else targets
    optional = _optional_months(catalog, targets, through_month)
    units = list(catalog.units.values())
    figures: dict[tuple[str, int], list[Figure]] = {}
    for position, unit in enumerate(units):
        unit_pace = _PACES[position % len(_PACES)]
        for indicator in catalog.indicators.values():
            if not indicator.applies(unit.unit_type):
                continue
            months = (range(0, through_month + 1) if indicator.required
                      else optional.get((unit.code, indicator.code)))
            if months is None:
                continue
            rng = random.Random(f"path:{seed}:{unit.code}:{indicator.code}")
            target = targets.get((unit.code, indicator.code)) or synthetic_target(indicator, unit.code, seed)
            pace = unit_pace * rng.uniform(0.96, 1.04)
            if indicator.kind == Kind.RATIO:
                for month, (num, den) in enumerate(_ratio_path(indicator, target, pace, through_month, rng)):
                    if month in months:
                        figures.setdefault((unit.code, month), []).append(
                            Figure(indicator.code, round(100 * num / den, 2), num, den))
                continue
            build = _flow_path if indicator.kind == Kind.FLOW else _stock_path
            for month, value in enumerate(build(indicator, target, pace, through_month, rng)):
                if month in months:
                    figures.setdefault((unit.code, month), []).append(Figure(indicator.code, value))
    reports = {}
    for position, unit in enumerate(units):
        rng = random.Random(f"meta:{seed}:{unit.code}")
        contact = _CONTACTS[position % len(_CONTACTS)]
        last = through_month - 1 if position == len(units) - 1 and len(units) > 1 else through_month
        for month in range(0, last + 1):
            y, m = (year - 1, 12) if month == 0 else (year, month)
            reports[(unit.code, _period(y, m))] = Report(
                unit.code, _period(y, m), _submitted(y, m, rng), contact,
                tuple(figures.get((unit.code, month), ())))
    return reports


# --------------------------------------------------------------------------------------------------------
# Writing


_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _number_text(indicator: Indicator, value: float) -> str:
    digits = _decimals(indicator)
    return f"{value:.0f}" if digits == 0 else f"{value:.{digits}f}"


def _cell(indicator: Indicator, value: float, style: WorkbookStyle) -> float | int | str:
    """A figure as a unit would type it: a number, or now and then text that is still a number."""
    if _decimals(indicator) == 0:
        if style.full_width and indicator.kind == Kind.FLOW and indicator.measure_unit == "家":
            return str(int(value)).translate(_FULL_WIDTH)
        return int(value)
    if style.text_numbers and value >= 1000:
        return f"{value:,.{_decimals(indicator)}f}"
    return value


def _money_unit(indicator: Indicator, period: str, style: WorkbookStyle) -> str:
    """The unit a money figure is written in: 万元, or in some months 元 or 亿元."""
    if not style.money_units or indicator.measure_unit != MONEY_UNIT or indicator.kind != Kind.FLOW:
        return indicator.measure_unit
    month = int(period[5:7])
    if indicator.code.endswith("CONTRACT") and month % 3 == 0:
        return "亿元"
    if indicator.code.endswith("LOAN") and month % 2 == 0:
        return "元"
    return MONEY_UNIT


def _money(value: float, measure_unit: str) -> float | int:
    if measure_unit == "元":
        return int(round(value * MONEY_ALIASES["元"]))
    if measure_unit == "亿元":
        return round(value * MONEY_ALIASES["亿元"], 5)
    return value


def _period_cell(period: str, style: WorkbookStyle) -> str | datetime:
    year, month = int(period[:4]), int(period[5:7])
    if style.period_format == "date":
        return datetime(year, month, 1)
    return {"iso": period, "slash": f"{year}/{month}", "zh": f"{year}年{month}月"}[style.period_format]


def _value_row(indicator: Indicator, figure: Figure, period: str, style: WorkbookStyle) -> dict[str, object]:
    """The table row of one figure, as the unit writes it."""
    row: dict[str, object] = {
        "indicator_code": indicator.code,
        "indicator_name": indicator.name_zh if style.language == "zh" else indicator.name_en,
        "measure_unit": indicator.measure_unit,
        "note": figure.note,
    }
    if figure.typed is not None:
        row["value"] = figure.typed
    elif indicator.kind == Kind.RATIO:
        row["numerator"], row["denominator"] = figure.numerator, figure.denominator
        if figure.value is not None:
            row["value"] = f"{figure.value:.2f}%" if style.percent_text else figure.value
    elif figure.value is not None:
        measure_unit = (_money_unit(indicator, period, style) if "measure_unit" in style.columns
                        else indicator.measure_unit)
        if measure_unit != indicator.measure_unit:
            row["measure_unit"], row["value"] = measure_unit, _money(figure.value, measure_unit)
        else:
            row["value"] = _cell(indicator, figure.value, style)
    return row


def _table_rows(report: Report, catalog: Catalog, style: WorkbookStyle) -> list[dict[str, object]]:
    """The table of a workbook in catalog order, one dict per row keyed by column name.

    With ``style.list_all`` the unit's template lists every indicator, unreported ones with a dash.
    """
    rows: list[dict[str, object]] = []
    for indicator in catalog.indicators.values():
        figures = [f for f in report.figures if f.code == indicator.code]
        if not figures and style.list_all:
            rows.append({
                "indicator_code": indicator.code,
                "indicator_name": indicator.name_zh if style.language == "zh" else indicator.name_en,
                "measure_unit": indicator.measure_unit,
                "value": style.not_reported,
            })
        rows.extend(_value_row(indicator, f, report.period, style) for f in figures)
    rows.extend({"indicator_code": f.code, "value": f.value, "note": f.note}
                for f in report.figures if f.code not in catalog.indicators)
    for number, row in enumerate(rows, start=1):
        row["seq"] = number
    return rows


def _fixed_zip(data: bytes, stamp: datetime) -> bytes:
    """Re-pack an .xlsx with fixed timestamps so that the same input gives the same bytes."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + iso.encode(), content)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.external_attr = 0o600 << 16
            target.writestr(entry, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _save(workbook: Workbook, stamp: datetime) -> bytes:
    workbook.properties.created = stamp
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed_zip(buffer.getvalue(), stamp)


def workbook_bytes(report: Report, catalog: Catalog, style: WorkbookStyle | None = None,
                   drop_meta: Iterable[str] = (), meta_override: Mapping[str, object] | None = None) -> bytes:
    """One report as an .xlsx (contract §2.1), laid out in ``style``.

    ``drop_meta`` leaves metadata rows out and ``meta_override`` replaces metadata values: both only
    serve to write deliberately bad files.
    """
    from openpyxl import Workbook

    style = style or WorkbookStyle()
    labels, headers = META_LABELS[style.language], HEADERS[style.language]
    book = Workbook()
    sheet = book.active
    if style.cover_sheet:
        sheet.title = "填报说明"
        sheet["A1"] = "请在“填报表”中填写本年累计数（存量指标填期末数），金额单位为万元。"
        sheet = book.create_sheet(style.sheet)
    else:
        sheet.title = style.sheet
    unit = catalog.units.get(report.unit_code)
    if style.title and unit is not None:
        sheet.append([f"{unit.name_zh}科技创新指标月报"])
    meta: dict[str, object] = {
        "unit_code": report.unit_code,
        "period": _period_cell(report.period, style),
        "submitted_at": (report.submitted_at.strftime("%Y-%m-%d %H:%M:%S") if style.submitted_as_text
                         else report.submitted_at),
        "contact": report.contact,
    }
    meta.update(meta_override or {})
    for key in style.meta_order:
        if key in drop_meta:
            continue
        sheet.append([labels[key], meta[key]])
        cell = sheet.cell(sheet.max_row, 2)
        if isinstance(cell.value, datetime):
            cell.number_format = "yyyy-mm" if key == "period" else "yyyy-mm-dd hh:mm:ss"
    sheet.append([])
    sheet.append([headers[c] for c in style.columns])
    for row in _table_rows(report, catalog, style):
        sheet.append([row.get(c) for c in style.columns])
    return _save(book, report.submitted_at)


def _csv_text(number: float | None, indicator: Indicator | None) -> str:
    """A number as CSV text: whole for counts, else as many decimals as the measure unit has."""
    if number is None:
        return ""
    if indicator is None or indicator.kind == Kind.RATIO:
        return f"{number:.1f}"
    return _number_text(indicator, number)


def csv_bytes(reports: Sequence[Report], catalog: Catalog, style: CsvStyle | None = None) -> bytes:
    """One or more reports as one long CSV (contract §2.2), one group per (unit, period)."""
    style = style or CsvStyle()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([HEADERS[style.language][c] for c in CSV_COLUMNS])
    for report in reports:
        for figure in report.figures:
            indicator = catalog.indicators.get(figure.code)
            ratio = indicator is not None and indicator.kind == Kind.RATIO
            writer.writerow([report.unit_code, report.period, figure.code,
                             "" if ratio else _csv_text(figure.value, indicator),
                             _csv_text(figure.numerator, None), _csv_text(figure.denominator, None),
                             figure.note or ""])
    return out.getvalue().encode(style.encoding)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------------------------------------
# Deliberately bad files


@dataclass(frozen=True)
class _Bad:
    rule: Rule
    make: Callable[[Report, Catalog], bytes]
    unit_type: UnitType | None = None
    month: Callable[[int], int] = field(default=lambda through: through)
    suffix: str = ".xlsx"
    unit_code: str | None = None


def _first(catalog: Catalog, test: Callable[[Indicator], bool]) -> Indicator:
    return next(i for i in catalog.indicators.values() if test(i))


def _stock(catalog: Catalog) -> Indicator:
    return _first(catalog, lambda i: i.kind == Kind.STOCK and i.required)


def _money_flow(catalog: Catalog) -> Indicator:
    return _first(catalog, lambda i: i.kind == Kind.FLOW and i.required and i.measure_unit == MONEY_UNIT)


def _count_flows(catalog: Catalog) -> list[Indicator]:
    return [i for i in catalog.indicators.values()
            if i.kind == Kind.FLOW and i.required and i.measure_unit in COUNT_UNITS]


def _ratio(catalog: Catalog) -> Indicator:
    return _first(catalog, lambda i: i.kind == Kind.RATIO and i.applies_to == AppliesTo.COUNTY)


def _corrupt(report: Report, catalog: Catalog) -> bytes:
    data = workbook_bytes(report, catalog)
    return data[: len(data) * 3 // 5]


def _changed(code_of: Callable[[Catalog], Indicator], change: Callable[[Figure, Indicator], Figure]
             ) -> Callable[[Report, Catalog], bytes]:
    """A bad file: the report with one indicator's figure changed."""
    def make(report: Report, catalog: Catalog) -> bytes:
        indicator = code_of(catalog)
        figure = report.figure(indicator.code)
        assert figure is not None
        return workbook_bytes(report.with_figure(change(figure, indicator)), catalog)
    return make


def _with_extra(figure: Callable[[Report, Catalog], Figure]) -> Callable[[Report, Catalog], bytes]:
    def make(report: Report, catalog: Catalog) -> bytes:
        return workbook_bytes(replace(report, figures=(*report.figures, figure(report, catalog))), catalog)
    return make


def _without(code_of: Callable[[Catalog], Indicator]) -> Callable[[Report, Catalog], bytes]:
    def make(report: Report, catalog: Catalog) -> bytes:
        code = code_of(catalog).code
        return workbook_bytes(replace(report, figures=tuple(f for f in report.figures if f.code != code)),
                              catalog)
    return make


def _unit_mismatch(report: Report, catalog: Catalog) -> bytes:
    code = _money_flow(catalog).code
    data = workbook_bytes(report, catalog, WorkbookStyle(money_units=False))
    return _relabel_unit(data, code, "美元")


def _relabel_unit(data: bytes, code: str, measure_unit: str) -> bytes:
    """Rewrite the measure_unit cell of ``code``'s row of a default-style workbook."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    sheet = book["填报表"]
    header = next(r for r in sheet.iter_rows() if r[0].value == HEADERS["zh"]["indicator_code"])
    column = next(c.column for c in header if c.value == HEADERS["zh"]["measure_unit"])
    row = next(r for r in sheet.iter_rows(min_row=header[0].row + 1) if r[0].value == code)
    sheet.cell(row[0].row, column).value = measure_unit
    return _save(book, book.properties.created)


def _unknown_indicator_csv(report: Report, catalog: Catalog) -> bytes:
    extra = Figure("RD_INTENSITY", 2.4, note="研发投入强度（非考核指标）")
    return csv_bytes([replace(report, figures=(*report.figures, extra))], catalog)


def _cumulative_decrease(report: Report, catalog: Catalog, earlier: Report) -> bytes:
    code = _money_flow(catalog).code
    before = earlier.figure(code)
    assert before is not None and before.value is not None
    return workbook_bytes(report.with_figure(Figure(code, round(before.value * 0.6, 1))), catalog)


BAD_RULES: tuple[Rule, ...] = (
    Rule.UNREADABLE_FILE, Rule.MISSING_METADATA, Rule.UNKNOWN_UNIT, Rule.BAD_PERIOD, Rule.UNKNOWN_INDICATOR,
    Rule.NOT_APPLICABLE, Rule.DUPLICATE_INDICATOR, Rule.NOT_A_NUMBER, Rule.FORMULA_WITHOUT_VALUE,
    Rule.UNIT_MISMATCH, Rule.MISSING_VALUE, Rule.NEGATIVE_VALUE, Rule.OUT_OF_RANGE, Rule.ZERO_DENOMINATOR,
    Rule.CUMULATIVE_DECREASE,
)
"""The rules the bad samples trip, one file each (in this order)."""


def _bad_specs() -> dict[Rule, _Bad]:
    def ratio_figure(report: Report, catalog: Catalog) -> Figure:
        return Figure(_ratio(catalog).code, None, 1200.0, 150000.0)

    return {
        Rule.UNREADABLE_FILE: _Bad(Rule.UNREADABLE_FILE, _corrupt),
        Rule.MISSING_METADATA: _Bad(
            Rule.MISSING_METADATA,
            lambda r, c: workbook_bytes(r, c, drop_meta=("period",))),
        Rule.UNKNOWN_UNIT: _Bad(
            Rule.UNKNOWN_UNIT, lambda r, c: workbook_bytes(replace(r, unit_code="X99"), c), unit_code="X99"),
        Rule.BAD_PERIOD: _Bad(
            Rule.BAD_PERIOD,
            lambda r, c: workbook_bytes(r, c, meta_override={"period": f"{r.period[:4]}-13"})),
        Rule.UNKNOWN_INDICATOR: _Bad(Rule.UNKNOWN_INDICATOR, _unknown_indicator_csv, suffix=".csv"),
        Rule.NOT_APPLICABLE: _Bad(Rule.NOT_APPLICABLE, _with_extra(ratio_figure), unit_type=UnitType.PARK),
        Rule.DUPLICATE_INDICATOR: _Bad(
            Rule.DUPLICATE_INDICATOR,
            _with_extra(lambda r, c: next(f for f in r.figures if c.indicators[f.code].kind == Kind.FLOW))),
        Rule.NOT_A_NUMBER: _Bad(
            Rule.NOT_A_NUMBER, _changed(lambda c: _count_flows(c)[1], lambda f, i: replace(f, typed="三十"))),
        Rule.FORMULA_WITHOUT_VALUE: _Bad(
            Rule.FORMULA_WITHOUT_VALUE,
            _changed(lambda c: _count_flows(c)[0], lambda f, i: replace(f, typed=f"={int(f.value or 0)}+1"))),
        Rule.UNIT_MISMATCH: _Bad(Rule.UNIT_MISMATCH, _unit_mismatch),
        Rule.MISSING_VALUE: _Bad(Rule.MISSING_VALUE, _without(lambda c: _count_flows(c)[-1])),
        Rule.NEGATIVE_VALUE: _Bad(Rule.NEGATIVE_VALUE, _changed(_stock, lambda f, i: replace(f, value=-3.0))),
        Rule.OUT_OF_RANGE: _Bad(
            Rule.OUT_OF_RANGE,
            _changed(_stock, lambda f, i: replace(f, value=2 * (i.max_value or 1e6)))),
        Rule.ZERO_DENOMINATOR: _Bad(
            Rule.ZERO_DENOMINATOR,
            _changed(_ratio, lambda f, i: replace(f, value=None, numerator=0.0, denominator=0.0)),
            unit_type=UnitType.COUNTY, month=lambda through: 1),
    }


def _bad_files(out_dir: Path, catalog: Catalog, reports: Mapping[tuple[str, str], Report], year: int,
               through_month: int, seed: int, avoid: set[str]) -> list[Path]:
    """The deliberately bad files, each for a different unit where the catalog allows it."""
    rng = random.Random(f"bad:{seed}")
    units = [u for u in catalog.units.values() if u.code not in avoid]
    specs = _bad_specs()
    paths: list[Path] = []
    for position, rule in enumerate(BAD_RULES):
        candidates = units
        spec = specs.get(rule)
        if spec is not None and spec.unit_type is not None:
            candidates = [u for u in units if u.unit_type == spec.unit_type]
        if not candidates:
            continue
        unit = candidates[position % len(candidates)]
        month = spec.month(through_month) if spec is not None else through_month
        report = reports.get((unit.code, _period(year, month)))
        if report is None:
            continue
        report = replace(report, submitted_at=_submitted(year, month, rng, day=12))
        if rule == Rule.CUMULATIVE_DECREASE:
            earlier = reports.get((unit.code, _period(year, month - 1)))
            if month < 2 or earlier is None:
                continue
            data, suffix, code = _cumulative_decrease(report, catalog, earlier), ".xlsx", unit.code
        else:
            assert spec is not None
            try:
                data = spec.make(report, catalog)
            except (StopIteration, IndexError, AssertionError):
                continue  # the catalog has no indicator this rule can be shown with
            suffix, code = spec.suffix, spec.unit_code or unit.code
        paths.append(_write(out_dir / f"{report.period}_{code}{BAD_MARK}{rule}{suffix}", data))
    return paths


def intended_rule(path: Path | str) -> Rule | None:
    """The rule a bad sample was written to trip (from its name); None for a good file."""
    name = Path(path).name
    if BAD_MARK not in name:
        return None
    return Rule(name.split(BAD_MARK, 1)[1].split(".", 1)[0])


# --------------------------------------------------------------------------------------------------------
# The sample year


def _quarters(periods: Sequence[str], size: int) -> list[list[str]]:
    groups: dict[tuple[str, int], list[str]] = {}
    for period in periods:
        groups.setdefault((period[:4], (int(period[5:7]) - 1) // size), []).append(period)
    return list(groups.values())


def _corrected(report: Report, earlier: Report | None, catalog: Catalog) -> tuple[Report, Report]:
    """(first version, correction) of a report: the first understated one money figure."""
    code = _money_flow(catalog).code
    true = report.figure(code)
    assert true is not None and true.value is not None
    floor = (earlier.figure(code) or Figure(code, 0.0)).value if earlier else 0.0
    understated = round((floor or 0.0) + (true.value - (floor or 0.0)) / 2, 1)
    first = report.with_figure(Figure(code, understated))
    correction = report.with_figure(replace(true, note="更正：补报漏登技术合同"))
    correction = replace(correction, submitted_at=report.submitted_at.replace(day=16))
    return first, correction


def generate_year(out_dir: Path, catalog: Catalog, year: int = 2026, through_month: int = 10, seed: int = 7,
                  bad_files: bool = True, correction: bool = True) -> list[Path]:
    """Write a year of submissions for every unit; file names sort in receiving order.

    Files are named ``<period>_<unit>[...]``: December of ``year - 1`` (the stocks' baselines), then
    months 1..``through_month``. The last unit has not sent ``through_month``. With ``correction`` the
    second unit resubmits ``through_month`` (``_correction``) raising an understated money figure;
    with ``bad_files`` the files of :data:`BAD_RULES` are added (``_bad-<rule>``).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    reports = year_reports(catalog, year, through_month, seed)
    units = list(catalog.units.values())
    paths: list[Path] = []
    corrector = units[1].code if correction and len(units) > 1 else None
    for position, unit in enumerate(units):
        style = UNIT_STYLES[position % len(UNIT_STYLES)]
        periods = sorted(p for (u, p) in reports if u == unit.code)
        if unit.code == corrector and isinstance(style, CsvStyle):
            style = WorkbookStyle()
        if isinstance(style, CsvStyle):
            size = style.months_per_file
            for group in [[p] for p in periods if p.startswith(str(year - 1))] + _quarters(
                    [p for p in periods if p.startswith(str(year))], size):
                name = (f"{group[-1]}_{unit.code}.csv" if len(group) == 1
                        else f"{group[-1]}_{unit.code}_{group[0]}_to_{group[-1]}.csv")
                data = csv_bytes([reports[(unit.code, p)] for p in group], catalog, style)
                paths.append(_write(out_dir / name, data))
            continue
        for period in periods:
            report = reports[(unit.code, period)]
            if unit.code == corrector and period == _period(year, through_month):
                earlier = reports.get((unit.code, _period(year, through_month - 1)))
                first, fixed = _corrected(report, earlier if through_month > 1 else None, catalog)
                paths.append(_write(out_dir / f"{period}_{unit.code}.xlsx",
                                    workbook_bytes(first, catalog, style)))
                paths.append(_write(out_dir / f"{period}_{unit.code}_correction.xlsx",
                                    workbook_bytes(fixed, catalog, style)))
                continue
            paths.append(_write(out_dir / f"{period}_{unit.code}.xlsx",
                                workbook_bytes(report, catalog, style)))
    if bad_files:
        avoid = {units[-1].code} | ({corrector} if corrector else set())
        paths.extend(_bad_files(out_dir, catalog, reports, year, through_month, seed, avoid))
    return sorted(paths)


# --------------------------------------------------------------------------------------------------------
# Synthetic units for benchmarks


def synthetic_catalog(n_units: int, indicators_dir: Path | None = None) -> Catalog:
    """The default indicators and ``n_units`` synthetic units, two counties for every park."""
    base = catalog_module.load_files(indicators_dir or config.DEFAULTS_DIR)
    units = [
        Unit(f"S{n:05d}", f"合成单位{n:05d}", f"Synthetic unit {n:05d}",
             UnitType.PARK if n % 3 == 0 else UnitType.COUNTY, f"s{n:05d}@example.org")
        for n in range(1, n_units + 1)
    ]
    return catalog_module.build(base.indicators.values(), units)


def _plain(value: object) -> object:
    """A float as a catalog writes it: ``2000000``, not ``2e+06``."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value


def write_catalog(folder: Path, catalog: Catalog) -> Path:
    """Write ``indicators.csv`` and ``units.csv`` (contract §1) of ``catalog`` into ``folder``.

    Point ``SCORECARD_CATALOG_DIR`` at the folder to load a synthetic catalog into a warehouse.
    """
    folder.mkdir(parents=True, exist_ok=True)
    indicators = [{**i.as_row(), "required": "yes" if i.required else "no"}
                  for i in catalog.indicators.values()]
    units = [u.as_row() for u in catalog.units.values()]
    for name, rows in (("indicators.csv", indicators), ("units.csv", units)):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else _plain(v) for k, v in row.items()} for row in rows)
        _write(folder / name, out.getvalue().encode("utf-8"))
    return folder


def _synthetic_reported(catalog: Catalog, unit: Unit, position: int) -> list[Indicator]:
    """Required applicable indicators, and the optional ones for every other unit."""
    return [i for i in catalog.applicable(unit) if i.required or position % 2 == 0]


def synthetic_targets(catalog: Catalog, year: int, seed: int = 7) -> list[Target]:
    """A target for every (unit, indicator) that :func:`generate_month` reports."""
    return [
        Target(year, unit.code, indicator.code, synthetic_target(indicator, unit.code, seed))
        for position, unit in enumerate(catalog.units.values())
        for indicator in _synthetic_reported(catalog, unit, position)
    ]


def write_targets(path: Path, targets: Iterable[Target]) -> Path:
    """Write targets as a target CSV (contract §1)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("year", "unit_code", "indicator_code", "target"))
    writer.writerows((t.year, t.unit_code, t.indicator_code, f"{t.target:g}") for t in targets)
    return _write(path, out.getvalue().encode("utf-8"))


def synthetic_report(catalog: Catalog, unit: Unit, position: int, period: str, seed: int = 7) -> Report:
    """A unit's report for ``period``: a pure function of (unit, indicator, month), cumulative in month."""
    year, month = int(period[:4]), int(period[5:7])
    pace = random.Random(f"pace:{seed}:{unit.code}").uniform(0.8, 1.2)
    figures = []
    for indicator in _synthetic_reported(catalog, unit, position):
        target = synthetic_target(indicator, unit.code, seed)
        if indicator.kind == Kind.FLOW:
            figures.append(Figure(indicator.code, _round(indicator, target * pace * indicator.share(month))))
        elif indicator.kind == Kind.STOCK:
            level = target * (0.85 + 0.15 * pace * month / 12)
            figures.append(Figure(indicator.code, _round(indicator, level)))
        else:
            denominator = round(40_000.0 * month, 1)
            numerator = round(denominator * target * pace / 100, 1)
            figures.append(Figure(indicator.code, None, numerator, denominator))
    rng = random.Random(f"when:{seed}:{unit.code}:{period}")
    return Report(unit.code, period, _submitted(year, month, rng), _CONTACTS[position % len(_CONTACTS)],
                  tuple(figures))


def _fast_workbook(report: Report, catalog: Catalog) -> bytes:
    """A small .xlsx written in openpyxl's write-only mode."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("填报表")
    labels, headers = META_LABELS["zh"], HEADERS["zh"]
    sheet.append([labels["unit_code"], report.unit_code])
    sheet.append([labels["period"], report.period])
    sheet.append([labels["submitted_at"], report.submitted_at.strftime("%Y-%m-%d %H:%M:%S")])
    sheet.append([])
    columns = ("indicator_code", "value", "numerator", "denominator")
    sheet.append([headers[c] for c in columns])
    for figure in report.figures:
        sheet.append([figure.code, figure.value, figure.numerator, figure.denominator])
    return _save(book, report.submitted_at)


def generate_month(out_dir: Path, catalog: Catalog, period: str, seed: int = 7, xlsx_every: int = 2
                   ) -> list[Path]:
    """Every unit's submission for ``period``: every ``xlsx_every``-th unit a workbook, the others CSV.

    Figures are cumulative across calls for successive months, so a benchmark can ingest month after
    month of the same synthetic units.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for position, unit in enumerate(catalog.units.values()):
        report = synthetic_report(catalog, unit, position, period, seed)
        if xlsx_every and position % xlsx_every == 0:
            paths.append(_write(out_dir / f"{period}_{unit.code}.xlsx", _fast_workbook(report, catalog)))
        else:
            paths.append(_write(out_dir / f"{period}_{unit.code}.csv", csv_bytes([report], catalog)))
    return paths
