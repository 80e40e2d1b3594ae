"""The blank submission form (contract §2.1): one workbook per unit and period, read back by ``parsing``.

Its rows follow the form's order (the catalog file's, whatever order the warehouse keeps); each says
what figure it wants: the year-to-date total (本年累计) of a flow, the end-of-period level (期末数) of a
stock, or a ratio's year-to-date numerator and denominator (分子/分母). The sheet is protected without a
password: only the cells a clerk fills in are unlocked, and the figures are checked as they are typed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scorecard import catalog as catalog_mod
from scorecard.catalog import Catalog, Indicator
from scorecard.periods import Period
from scorecard.vocabulary import Kind
from scorecard.xlsx import set_value

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

SHEET = "填报表"
META_ROWS = (
    ("单位代码", "unit_code"), ("报告期", "period"), ("填报时间", "submitted_at"), ("填报人", "contact"),
)
HEADER_ROW = len(META_ROWS) + 2
COLUMNS = (  # (label the parser reads or ignores, width)
    ("指标代码", 22), ("指标名称", 36), ("计量单位", 10), ("数值", 16), ("分子", 16), ("分母", 16),
    ("备注", 24), ("是否必报", 10), ("英文名称 (English name)", 48), ("填报口径 (what to report)", 44),
)
BASIS = {  # what each kind's figure is, on its row of the form (contract §2.1)
    Kind.FLOW: "本年累计（1月至本月）/ year to date (January to this month)",
    Kind.STOCK: "期末数（本月末）/ end of period (level at the end of this month)",
    Kind.RATIO: "填分子、分母（均为本年累计，万元）/ numerator and denominator, both year to date, in 万元",
}
OPEN_META = (2, 3, 4)  # rows of the metadata block the clerk may change: period, submitted_at, contact
OPEN_COLUMNS = (4, 5, 6, 7)  # 数值, 分子, 分母, 备注
NUMBER_FORMATS = {"万元": "#,##0.00", "万平方米": "#,##0.00", "%": "0.00"}
COUNT_FORMAT = "#,##0"
HEADER_FILL = "1F4E78"
UNUSED_FILL = "E7E6E6"
RATIO_HINT = ("比重指标：请在“分子”“分母”填写本年累计数（万元），比重由系统计算。\n"
              "Ratio: fill in the year-to-date numerator and denominator (万元); the share is computed.")


def template_indicators(catalog: Catalog, unit_code: str) -> list[Indicator]:
    """The indicators on ``unit_code``'s form: those that apply to its unit type, in the form's order."""
    unit = catalog.units.get(unit_code)
    if unit is None:
        known = ", ".join(sorted(catalog.units))
        raise ValueError(f"unknown unit_code {unit_code!r}; the unit catalog holds {known}")
    order = form_order()
    return sorted(catalog.applicable(unit), key=lambda i: order.get(i.code, len(order)))


def form_order() -> dict[str, int]:
    """Each indicator's place on the form: its line in the configured catalog file (the warehouse returns
    indicators by code). Empty when the file cannot be read: the catalog's own order is kept then."""
    try:
        files = catalog_mod.load_files()
    except (OSError, ValueError):  # CatalogError is a ValueError
        return {}
    return {code: n for n, code in enumerate(files.indicators)}


def write_template(catalog: Catalog, unit_code: str, period: str, path: Path) -> Path:
    """Write the blank form of ``unit_code`` for ``period`` (``YYYY-MM``) to ``path`` and return it."""
    from openpyxl import Workbook

    indicators = template_indicators(catalog, unit_code)
    month = str(Period.parse(period))
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    _metadata(sheet, unit_code, catalog.units[unit_code].name_zh, month)
    _header(sheet)
    for offset, indicator in enumerate(indicators, start=1):
        _indicator_row(sheet, HEADER_ROW + offset, indicator)
    _validation(sheet, len(indicators))
    _protect(sheet, len(indicators))
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=3)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _metadata(sheet: Worksheet, unit_code: str, unit_name: str, period: str) -> None:
    from openpyxl.styles import Font

    values = {"unit_code": unit_code, "period": period}
    for row, (label, key) in enumerate(META_ROWS, start=1):
        set_value(sheet.cell(row=row, column=1), label).font = Font(bold=True)
        cell = set_value(sheet.cell(row=row, column=2), values.get(key))
        cell.number_format = "@" if key != "submitted_at" else "yyyy-mm-dd hh:mm"
    set_value(sheet.cell(row=1, column=3), unit_name)
    set_value(sheet.cell(row=3, column=3), "如 2026-10-05 10:30 / e.g. 2026-10-05 10:30")


def _header(sheet: Worksheet) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    for column, (label, width) in enumerate(COLUMNS, start=1):
        cell = set_value(sheet.cell(row=HEADER_ROW, column=column), label)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(column)].width = width


def _indicator_row(sheet: Worksheet, row: int, indicator: Indicator) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    number_format = NUMBER_FORMATS.get(indicator.measure_unit, COUNT_FORMAT)
    ratio = indicator.kind == Kind.RATIO
    texts = (indicator.code, indicator.name_zh, indicator.measure_unit)
    for column, text in enumerate(texts, start=1):
        set_value(sheet.cell(row=row, column=column), text).number_format = "@"
    for column in (4, 5, 6):
        cell = sheet.cell(row=row, column=column)
        used = (column != 4) == ratio
        cell.number_format = number_format if column == 4 else NUMBER_FORMATS["万元"]
        if not used:
            cell.fill = PatternFill("solid", fgColor=UNUSED_FILL)
    if ratio:
        sheet.cell(row=row, column=4).comment = Comment(RATIO_HINT, "scorecard")
    set_value(sheet.cell(row=row, column=8), "必报" if indicator.required else "选报")
    set_value(sheet.cell(row=row, column=9), indicator.name_en)
    set_value(sheet.cell(row=row, column=10), BASIS[Kind(indicator.kind)])


def _protect(sheet: Worksheet, count: int) -> None:
    """Lock the sheet (no password), leaving open only the cells the clerk fills in."""
    from openpyxl.styles import Protection

    open_cell = Protection(locked=False)
    for row in OPEN_META:
        sheet.cell(row=row, column=2).protection = open_cell
    for row in range(HEADER_ROW + 1, HEADER_ROW + count + 1):
        for column in OPEN_COLUMNS:
            sheet.cell(row=row, column=column).protection = open_cell
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = protection.formatRows = protection.formatCells = False


def _validation(sheet: Worksheet, count: int) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    if not count:
        return
    rule = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                          showErrorMessage=True, errorTitle="数值无效 / invalid value",
                          error="请填写不小于 0 的数字 / enter a number of at least 0")
    first, last = HEADER_ROW + 1, HEADER_ROW + count
    rule.add(f"D{first}:F{last}")
    sheet.add_data_validation(rule)
