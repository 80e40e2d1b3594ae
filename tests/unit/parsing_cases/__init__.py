"""Moved to ``support.submission_files`` (and ``support.TODAY``); this name stays for the parser tests
that still import it."""

from support import TODAY
from support.submission_files import (
    CSV_HEADER,
    HEADER,
    csv_bytes,
    csv_records,
    declare_size,
    edit_xml,
    excel_row,
    filled_rows,
    grid,
    parts,
    set_cell,
    with_part,
    xlsx,
    zip_bytes,
)

__all__ = ["CSV_HEADER", "HEADER", "TODAY", "csv_bytes", "csv_records", "declare_size", "edit_xml",
           "excel_row", "filled_rows", "grid", "parts", "set_cell", "with_part", "xlsx", "zip_bytes"]
