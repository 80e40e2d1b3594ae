"""How units lay out their sample files (contract §2): the workbook and CSV styles, and a submission written
in one of them.

The same submission and style always give the same bytes: workbooks are re-packed with fixed timestamps.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scorecard.catalog import Catalog, Indicator
from scorecard.periods import Period
from scorecard.samples.submission import MONEY_UNIT, Figure, SampleSubmission, decimals
from scorecard.vocabulary import Kind

if TYPE_CHECKING:
    from openpyxl import Workbook

MONEY_ALIASES = {"元": 10_000.0, "亿元": 1 / 10_000}
"""How many of each money unit make one 万元 figure: a 万元 value times this factor."""

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

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _number_text(indicator: Indicator, value: float) -> str:
    digits = decimals(indicator)
    return f"{value:.0f}" if digits == 0 else f"{value:.{digits}f}"


def _cell(indicator: Indicator, value: float, style: WorkbookStyle) -> float | int | str:
    """A figure as a unit would type it: a number, or now and then text that is still a number."""
    if decimals(indicator) == 0:
        if style.full_width and indicator.kind == Kind.FLOW and indicator.measure_unit == "家":
            return str(int(value)).translate(_FULL_WIDTH)
        return int(value)
    if style.text_numbers and value >= 1000:
        return f"{value:,.{decimals(indicator)}f}"
    return value


def _money_unit(indicator: Indicator, period: str, style: WorkbookStyle) -> str:
    """The unit a money figure is written in: 万元, or in some months 元 or 亿元."""
    if not style.money_units or indicator.measure_unit != MONEY_UNIT or indicator.kind != Kind.FLOW:
        return indicator.measure_unit
    month = Period.parse(period).month
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
    year, month = (month_of := Period.parse(period)).year, month_of.month
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


def _table_rows(submission: SampleSubmission, catalog: Catalog,
                style: WorkbookStyle) -> list[dict[str, object]]:
    """The table of a workbook in catalog order, one dict per row keyed by column name.

    With ``style.list_all`` the unit's template lists every indicator, unreported ones with a dash.
    """
    rows: list[dict[str, object]] = []
    for indicator in catalog.indicators.values():
        figures = [f for f in submission.figures if f.code == indicator.code]
        if not figures and style.list_all:
            rows.append({
                "indicator_code": indicator.code,
                "indicator_name": indicator.name_zh if style.language == "zh" else indicator.name_en,
                "measure_unit": indicator.measure_unit,
                "value": style.not_reported,
            })
        rows.extend(_value_row(indicator, f, submission.period, style) for f in figures)
    rows.extend({"indicator_code": f.code, "value": f.value, "note": f.note}
                for f in submission.figures if f.code not in catalog.indicators)
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


def save_workbook(workbook: Workbook, stamp: datetime) -> bytes:
    """The bytes of ``workbook``, created and stamped at ``stamp`` (see :func:`_fixed_zip`)."""
    workbook.properties.created = stamp
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed_zip(buffer.getvalue(), stamp)


def workbook_bytes(submission: SampleSubmission, catalog: Catalog, style: WorkbookStyle | None = None,
                   drop_meta: Iterable[str] = (), meta_override: Mapping[str, object] | None = None) -> bytes:
    """One submission as an .xlsx (contract §2.1), laid out in ``style``.

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
    unit = catalog.units.get(submission.unit_code)
    if style.title and unit is not None:
        sheet.append([f"{unit.name_zh}科技创新指标月报"])
    meta: dict[str, object] = {
        "unit_code": submission.unit_code,
        "period": _period_cell(submission.period, style),
        "submitted_at": (submission.submitted_at.strftime("%Y-%m-%d %H:%M:%S") if style.submitted_as_text
                         else submission.submitted_at),
        "contact": submission.contact,
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
    for row in _table_rows(submission, catalog, style):
        sheet.append([row.get(c) for c in style.columns])
    return save_workbook(book, submission.submitted_at)


def _csv_text(number: float | None, indicator: Indicator | None) -> str:
    """A number as CSV text: whole for counts, else as many decimals as the measure unit has."""
    if number is None:
        return ""
    if indicator is None or indicator.kind == Kind.RATIO:
        return f"{number:.1f}"
    return _number_text(indicator, number)


def csv_bytes(submissions: Sequence[SampleSubmission], catalog: Catalog,
              style: CsvStyle | None = None) -> bytes:
    """One or more submissions as one long CSV (contract §2.2), one group per (unit, period)."""
    style = style or CsvStyle()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([HEADERS[style.language][c] for c in CSV_COLUMNS])
    for submission in submissions:
        for figure in submission.figures:
            indicator = catalog.indicators.get(figure.code)
            ratio = indicator is not None and indicator.kind == Kind.RATIO
            writer.writerow([submission.unit_code, submission.period, figure.code,
                             "" if ratio else _csv_text(figure.value, indicator),
                             _csv_text(figure.numerator, None), _csv_text(figure.denominator, None),
                             figure.note or ""])
    return out.getvalue().encode(style.encoding)


def write_file(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path``; the path."""
    path.write_bytes(data)
    return path

