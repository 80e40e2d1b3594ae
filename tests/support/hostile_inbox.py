"""An inbox of hostile files, as a careless or malicious sender would fill it (tests and bench/hostile.py).

``write_hostile_inbox(folder)`` writes every kind of file the pipeline must survive and returns the
verdict each must get: the rule its (first) error names, or ``accepted``.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from scorecard import catalog as catalog_mod
from support.submission_files import complete_rows, csv_bytes, with_part, workbook_bytes

INJECTIONS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", '=HYPERLINK("http://x","y")']
BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
                  + b"".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">'.encode() for i in range(1, 10))
                  + b"]><lolz>&lol9;</lolz>")
LONG_NAME = ("关于二〇二六年九月份科技创新指标完成情况的报送材料第一次修订稿" * 3)[:83] + ".xlsx"
"""250 bytes of Chinese and the extension: as long as a file system takes."""


def _good_csv_rows(cat: catalog_mod.Catalog, unit: str, period: str) -> list[list[object]]:
    month = int(period[5:])
    return [[unit, period, r["indicator_code"], r.get("value", ""), r.get("numerator", ""),
             r.get("denominator", ""), ""] for r in complete_rows(cat, unit, month)]


def _zip_bomb(data: bytes, megabytes: int) -> bytes:
    """The workbook with a sheet part inflating to ``megabytes`` of spaces (a few hundred KB packed)."""
    out = io.BytesIO()
    with (zipfile.ZipFile(io.BytesIO(data)) as source,
          zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target):
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item.filename, source.read(item))
                continue
            with target.open(item.filename, "w") as sheet:
                block = b" " * (1 << 20)
                for _ in range(megabytes):
                    sheet.write(block)
    return out.getvalue()


def write_hostile_inbox(folder: Path, cat: catalog_mod.Catalog) -> dict[str, str]:
    """Write the hostile files into ``folder``; returns each file name and the verdict it must get."""
    folder.mkdir(parents=True, exist_ok=True)
    good = workbook_bytes("C01", "2026-09", complete_rows(cat, "C01", 9))
    injected = complete_rows(cat, "C02", 9)
    injected[0]["note"] = INJECTIONS[0]
    injected[1]["value"] = INJECTIONS[1]
    csv_injected = _good_csv_rows(cat, "C03", "2026-09")
    for row, payload in zip(csv_injected, INJECTIONS, strict=False):
        row[3], row[6] = payload, payload
    files: dict[str, tuple[bytes, str]] = {
        "zip_bomb.xlsx": (_zip_bomb(good, 300), "unreadable_file"),
        "billion_laughs.xlsx": (with_part(good, "xl/workbook.xml", BILLION_LAUGHS), "unreadable_file"),
        "entities_in_sheet.xlsx": (with_part(good, "xl/worksheets/sheet1.xml", BILLION_LAUGHS),
                                   "unreadable_file"),
        "picture.xlsx": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "unreadable_file"),
        "document.csv": (b"%PDF-1.7\n" + bytes(range(256)) * 40, "unreadable_file"),
        "empty.xlsx": (b"", "unreadable_file"),
        "blank.csv": (b" \r\n \r\n", "unreadable_file"),
        "nul_bytes.csv": (b"\0" * 100_000, "unreadable_file"),
        "nul_bytes.xlsx": (b"PK\x03\x04" + b"\0" * 100_000, "unreadable_file"),
        "formula_text.xlsx": (workbook_bytes("C02", "2026-09", injected), "not_a_number"),
        "formula_text.csv": (csv_bytes(csv_injected), "not_a_number"),
        "ten_mb_note.csv": (csv_bytes([[*row[:6], "备注" * (10 * 1024 * 1024 // 6)] if i == 0 else row
                                       for i, row in enumerate(_good_csv_rows(cat, "C04", "2026-09"))]),
                            "unreadable_file"),  # no real field is that long: an unclosed quote
        "rows_200k.csv": (csv_bytes([["C05", "2026-09", "HTE_APPLY", n, "", "", ""] for n in range(200_000)]),
                          "unreadable_file"),
        "..xlsx": (workbook_bytes("P01", "2026-09", complete_rows(cat, "P01", 9)), "accepted"),
        "a..b.csv": (csv_bytes(_good_csv_rows(cat, "P02", "2026-09")), "accepted"),
        "$(touch pwned).csv": (csv_bytes(_good_csv_rows(cat, "P03", "2026-09")), "accepted"),
        ".hidden.xlsx": (workbook_bytes("P04", "2026-09", complete_rows(cat, "P04", 9)), "accepted"),
        LONG_NAME: (workbook_bytes("C99", "2026-08", complete_rows(cat, "C01", 8)), "unknown_unit"),
    }
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    return {name: verdict for name, (_, verdict) in files.items()}
