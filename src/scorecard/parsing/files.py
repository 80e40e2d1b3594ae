"""A received file parsed: its form told by suffix or content, the checks every file passes, then the
workbook or CSV layout read into drafts and the drafts checked."""

from __future__ import annotations

from datetime import date
from pathlib import PurePosixPath

from scorecard.catalog import Catalog
from scorecard.model import ParsedSubmission
from scorecard.parsing.csv_files import read_csv
from scorecard.parsing.drafts import Draft, unreadable
from scorecard.parsing.limits import max_file_bytes, over_file_size
from scorecard.parsing.rules import check
from scorecard.parsing.workbooks import read_workbook

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})
CSV_SUFFIXES = frozenset({".csv", ".txt"})
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def parse_file(name: str, data: bytes, catalog: Catalog, today: date | None = None) -> list[ParsedSubmission]:
    """Parse one received file into its submissions, with every structural problem found (contract §2, §3).

    ``name`` is what reports show as ``file``; ``today`` (default: the current date) decides
    ``future_period``.
    """
    today = today or date.today()
    return [check(d, catalog, today) if isinstance(d, Draft) else d for d in _read(name, data)]


def refused(name: str, error: str) -> list[ParsedSubmission]:
    """The answer for a received file whose bytes were not read (``sources.FileBytes.error``): larger than
    the limit (``too_large``), or refused by the system for the reason given."""
    form = _form(name, b"") or "csv"
    if error == "too_large":
        return unreadable(name, form, *over_file_size())
    return unreadable(name, form, f"系统拒绝读取该文件（{error}）",
                      f"the system refused to read the file ({error})")


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


def _read(name: str, data: bytes) -> list[Draft] | list[ParsedSubmission]:
    form = _form(name, data)
    if not data.strip():
        return unreadable(name, form or "csv", "文件为空", "the file is empty")
    if len(data) > max_file_bytes():
        return unreadable(name, form or "csv", *over_file_size())
    if data.startswith(OLE2_MAGIC):
        return unreadable(name, form or "xlsx", "文件已加密或为旧版 .xls 格式，请取消密码并另存为 .xlsx",
                          "the file is encrypted or an old .xls; remove the password and save it as .xlsx")
    if form is None:
        return unreadable(name, "csv", "文件类型不受支持，请报送 .xlsx 工作簿或 .csv 文件",
                          "this file type is not accepted; send an .xlsx workbook or a .csv file")
    if form == "csv":
        return read_csv(name, data)
    if not data.startswith(ZIP_MAGIC):
        return unreadable(name, "xlsx", "工作簿已损坏或不是 .xlsx 文件，请重新保存",
                          "the workbook is damaged or not an .xlsx file; save it again")
    draft = read_workbook(name, data)
    return [draft] if isinstance(draft, Draft) else draft
