"""Submission files (contract §2) read into ``ParsedSubmission``s, with the structural problems of §3.

A workbook gives one submission, a CSV one per (unit_code, period) group. Nothing escapes as an
exception: a file that cannot be read at all becomes one submission with an ``unreadable_file`` error.
Range, ratio and history checks belong to validation, which works from the rows produced here.

The modules, in the order a file goes through them: ``files`` (the entry point: form, common checks),
``limits`` (how large a file may be), ``workbooks`` and ``csv_files`` (each layout read into ``drafts``,
with field ``labels``), ``values`` (cell values converted) and ``rules`` (the structural rules checked).
"""

from scorecard.parsing.files import parse_file, refused
from scorecard.parsing.limits import max_file_bytes, max_rows

__all__ = ["max_file_bytes", "max_rows", "parse_file", "refused"]
