"""The bulletin's Excel workbook: the city's table, the unit × indicator heat map, one ranking per
indicator, the units not reported and the charts; number formats per measure unit, statuses in their
colours, gaps coloured by condition, headers frozen, A4 landscape print set-up. The sheets' rows are
``reports``' (in ``bulletin``'s words and order)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scorecard import bulletin, labels
from scorecard.xlsx import append_row, print_setup

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

COLOURS = {"achieved": "C6EFCE", "on_track": "E2EFDA", "behind": "FFEB9C", "lagging": "FFC7CE",
           "no_data": "D9D9D9", "no_target": "F2F2F2"}
"""The workbook's status fills (and the bulletin page's and the scorecard pages')."""
COLUMNS = {
    "city": ("indicator_code", "indicator_name", "measure_unit", "actual", "target", "completion_rate",
             "expected_rate", "gap_points", "status", "forecast"),
    "ranking": ("rank", "unit_code", "unit_name", "actual", "target", "completion_rate", "expected_rate",
                "gap_points", "status", "stale"),
    "missing": ("unit_code", "unit_name", "contact_email"),
}
"""The columns of each table, headed in ``labels``' words."""
RATES = ("completion_rate", "expected_rate")
FIGURES = ("actual", "target", "forecast")


def headings(columns: tuple[str, ...], lang: str) -> list[str]:
    """The headings of ``columns``, in ``labels``' words."""
    return [labels.field(c, lang) for c in columns]


def _cell_value(row: dict[str, Any], column: str) -> Any:
    if column == "status":
        return row["status_label"]
    if column == "gap_points":
        return None if row["gap"] is None else row["gap"] * 100
    return row[column]


def _write_sheet(ws: Worksheet, columns: tuple[str, ...], rows: list[dict[str, Any]], lang: str,
                 threshold: float | None = None) -> None:
    """Headings and rows (text as text): a status as its words in its colour, rates as percentages, gaps
    in percentage points (red when lagging, amber when behind), figures in their measure unit's format;
    header frozen and repeated on every printed page, A4 landscape fit to width."""
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Alignment, Font, PatternFill

    for cell in append_row(ws, headings(columns, lang)):
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F0F0F0")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        cells = append_row(ws, [_cell_value(row, c) for c in columns])
        for column, cell in zip(columns, cells, strict=True):
            if column == "status":
                cell.fill = PatternFill("solid", fgColor=COLOURS[row["status"]])
            elif column in RATES:
                cell.number_format = "0.0%"
            elif column == "gap_points":
                cell.number_format = bulletin.POINTS_FORMAT
            elif column in FIGURES:
                cell.number_format = bulletin.number_format(row.get("measure_unit") or "")
    if "gap_points" in columns and rows:
        letter = ws.cell(row=1, column=columns.index("gap_points") + 1).column_letter
        area = f"{letter}2:{letter}{len(rows) + 1}"
        limit = -100 * (threshold if threshold is not None else 0.1)
        ws.conditional_formatting.add(area, CellIsRule(operator="lessThanOrEqual", formula=[str(limit)],
                                                       fill=PatternFill("solid", bgColor=COLOURS["lagging"])))
        ws.conditional_formatting.add(area, CellIsRule(operator="lessThan", formula=["0"],
                                                       fill=PatternFill("solid", bgColor=COLOURS["behind"])))
    ws.freeze_panes = "A2"
    for column in ws.columns:
        ws.column_dimensions[column[0].column_letter].width = max(10, min(40, 2 + max(
            len(str(c.value or "")) * (2 if any(ord(ch) > 255 for ch in str(c.value or "")) else 1)
            for c in column if not isinstance(c.value, float))))
    print_setup(ws)


def _sheet_title(text: str, taken: set[str] | None = None) -> str:
    """A legal sheet name, unique among ``taken`` (which it joins)."""
    title = "".join(ch for ch in text if ch not in "[]:*?/\\")[:31]
    if taken is not None:
        base, n = title, 2
        while title.lower() in taken:
            title = f"{base[:31 - len(str(n)) - 1]}~{n}"
            n += 1
        taken.add(title.lower())
    return title


def _heat_sheet(ws: Worksheet, heat: dict[str, Any], note: str) -> None:
    """Indicators down, units across (the city first, a unit that has not reported marked *): each cell the
    completion rate in whole percent, filled in its status's colour, as the page's heat map."""
    from openpyxl.styles import Alignment, Font, PatternFill

    header = ["", *(c["name"] + ("*" if c["missing"] else "") for c in heat["columns"])]
    for cell in append_row(ws, header):
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    for row in heat["rows"]:
        shown = [int(c["value"]) if c and c["value"] else None for c in row["cells"]]
        cells = append_row(ws, [row["name"], *shown])
        for cell, found in zip(cells[1:], row["cells"], strict=True):
            cell.alignment = Alignment(horizontal="center")
            if found:
                cell.fill = PatternFill("solid", fgColor=COLOURS[found["status"]])
    append_row(ws, [])
    append_row(ws, [note])
    ws.freeze_panes = "B2"
    ws.column_dimensions["A"].width = 34
    for column in list(ws.columns)[1:]:
        ws.column_dimensions[column[0].column_letter].width = 9
    print_setup(ws)


def workbook(context: dict[str, Any], charts: list[bytes], text: Mapping[str, str], lang: str,
             threshold: float) -> bytes:
    """The workbook's bytes: the city's sheet, the heat map, a ranking per indicator (worst first), the
    units not reported and the charts (PNG images), in ``text``'s words."""
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image

    taken = {text[name].lower() for name in ("city_sheet", "heat_map", "missing_sheet", "charts")}
    book = Workbook()
    ws = book.active
    ws.title = _sheet_title(text["city_sheet"])
    _write_sheet(ws, COLUMNS["city"], context["city_rows"], lang, threshold)
    _heat_sheet(book.create_sheet(_sheet_title(text["heat_map"])), context["heat"], text["heat_note"])
    for ranking in context["rankings"]:
        ws = book.create_sheet(_sheet_title(ranking["name"], taken))
        _write_sheet(ws, COLUMNS["ranking"], ranking["rows"], lang, threshold)
    ws = book.create_sheet(_sheet_title(text["missing_sheet"]))
    _write_sheet(ws, COLUMNS["missing"], context["missing"], lang)
    ws = book.create_sheet(_sheet_title(text["charts"]))
    anchor_row = 1
    for png in charts:
        image = Image(io.BytesIO(png))
        ws.add_image(image, f"A{anchor_row}")
        anchor_row += int(image.height / 20) + 2
    print_setup(ws)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
