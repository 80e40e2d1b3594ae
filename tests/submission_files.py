"""Builders of submission files written to the contract (§2), for tests."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

from scorecard.catalog import Catalog
from scorecard.vocabulary import Kind


def complete_rows(catalog: Catalog, unit_code: str, month: int, scale: float = 1.0) -> list[dict]:
    """Plausible year-to-date rows of every applicable indicator for ``month`` (cumulative flows grow)."""
    unit = catalog.units[unit_code]
    rows = []
    for indicator in catalog.applicable(unit):
        if indicator.kind == Kind.RATIO:
            rows.append({"indicator_code": indicator.code, "numerator": 10.0 * month * scale,
                         "denominator": 400.0 * month})
        elif indicator.kind == Kind.FLOW:
            rows.append({"indicator_code": indicator.code, "value": round(2.0 * month * scale, 2)})
        else:
            rows.append({"indicator_code": indicator.code, "value": 20.0 * scale})
    return rows


def write_workbook(path: Path, unit_code: str, period: str, rows: list[dict],
                   submitted_at: datetime | None = None, sheet: str = "填报表") -> Path:
    """A workbook with the Chinese metadata block and table of contract §2.1."""
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(["单位代码", unit_code])
    ws.append(["报告期", period])
    if submitted_at:
        ws.append(["填报时间", submitted_at])
    ws.append([])
    ws.append(["指标代码", "计量单位", "数值", "分子", "分母", "备注"])
    for row in rows:
        ws.append([row["indicator_code"], row.get("measure_unit"), row.get("value"), row.get("numerator"),
                   row.get("denominator"), row.get("note")])
    book.save(path)
    return path


def write_csv(path: Path, groups: list[tuple[str, str, list[dict]]], encoding: str = "utf-8") -> Path:
    """A long CSV (contract §2.2) holding one group of rows per (unit_code, period)."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_code", "period", "indicator_code", "value", "numerator", "denominator",
                         "note"])
        for unit_code, period, rows in groups:
            for row in rows:
                writer.writerow([unit_code, period, row["indicator_code"], row.get("value", ""),
                                 row.get("numerator", ""), row.get("denominator", ""), row.get("note", "")])
    return path
