"""Cells of the workbooks the pipeline writes: text from outside always lands as text, never as a formula.

openpyxl turns a str starting with ``=`` into a formula (and ``#N/A`` and the like into an error value),
which Excel runs when the file is opened: ``=cmd|' /C calc'!A0`` in a CSV cell or a unit name would reach
the clerk or the bulletin's readers as a live formula. So every cell openpyxl writes gets its value from
``set_value`` (or ``append_row``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl.cell import Cell
    from openpyxl.styles import Font
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
    from openpyxl.worksheet.worksheet import Worksheet

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_TEXT = 32_767  # characters Excel keeps in a cell
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML 1.0 cannot hold them: openpyxl refuses them
REPLACEMENT = "\ufffd"


def text(value: str) -> str:
    """``value`` as a cell can hold it: control characters replaced, cut at Excel's length."""
    return ILLEGAL.sub(REPLACEMENT, value[:MAX_TEXT])


def set_value(cell: Cell, value: object) -> Cell:
    """Give ``cell`` ``value``, a str as a text cell (never a formula or an error value); returns the cell."""
    if isinstance(value, str):
        cell.value = text(value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def append_row(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable[object],
               font: Font | None = None) -> list[Cell]:
    """Append ``values`` as the next row of ``sheet`` (write-only ones too), each through ``set_value``
    and in ``font`` when given; returns the row's cells."""
    from openpyxl.cell import Cell

    # a cell needs a place to be handed to append (write-only sheets print it); append gives the real one
    cells = [set_value(Cell(sheet, row=1, column=1), value) for value in values]
    if font is not None:
        for cell in cells:
            cell.font = font
    sheet.append(cells)
    return cells


def print_setup(sheet: Worksheet) -> None:
    """Print ``sheet`` on A4 landscape, fit to one page wide, its first row repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.print_options.horizontalCentered = True
