"""Annual target files (contract §1): read, checked row by row, and loaded whole or not at all."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from scorecard.catalog import Catalog
from scorecard.vocabulary import CITY

COLUMNS = ("year", "unit_code", "indicator_code", "target")


@dataclass(frozen=True)
class Target:
    year: int
    unit_code: str
    indicator_code: str
    target: float


@dataclass
class TargetFile:
    path: str
    targets: list[Target] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def report(self) -> dict:
        return {
            "file": self.path,
            "status": "loaded" if self.ok else "rejected",
            "targets": len(self.targets) if self.ok else 0,
            "errors": self.errors,
        }


class TargetFileError(ValueError):
    """A target file that cannot be read at all."""


def _rows(name: str, raw: bytes) -> list[list[Any]]:
    if name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
            return book.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except Exception as exc:  # calamine raises its own error types for corrupt files
            raise TargetFileError(f"{name}: not a readable workbook ({exc})") from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TargetFileError(f"{name}: neither UTF-8 nor GB18030 text")
    return [list(r) for r in csv.reader(io.StringIO(text))]


def _error(row: int, message_zh: str, message_en: str, **where: object) -> dict:
    return {"row": row, **where, "message": f"{message_zh} / {message_en}"}


def read(path: Path, cat: Catalog) -> TargetFile:
    """Read and check a local target file; every faulty row is reported, naming its row number."""
    return read_bytes(str(path), path.read_bytes(), cat)


def read_bytes(name: str, data: bytes, cat: Catalog) -> TargetFile:
    """Check the target file ``name`` whose content is ``data``."""
    result = TargetFile(name)
    rows = _rows(name, data)
    if not rows:
        result.errors.append(_error(1, "文件为空", "the file is empty"))
        return result
    header = [str(c).strip().lower() for c in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        result.errors.append(_error(1, f"缺少列 {', '.join(missing)}",
                                    f"missing columns {', '.join(missing)}"))
        return result
    index = {c: header.index(c) for c in COLUMNS}
    seen: dict[tuple[int, str, str], int] = {}
    for number, raw in enumerate(rows[1:], start=2):
        cells = {c: raw[i] if i < len(raw) else "" for c, i in index.items()}
        if all(str(v).strip() == "" for v in cells.values()):
            continue
        unit = str(cells["unit_code"]).strip()
        code = str(cells["indicator_code"]).strip()
        row_errors = []
        try:
            year = int(float(str(cells["year"]).strip()))
        except ValueError:
            row_errors.append(_error(number, f"年份“{cells['year']}”不是整数",
                                     f"year '{cells['year']}' is not a whole number"))
            year = 0
        if unit != CITY and unit not in cat.units:
            row_errors.append(_error(number, f"未知单位代码 {unit}", f"unknown unit_code {unit}",
                                     unit_code=unit))
        if code not in cat.indicators:
            row_errors.append(_error(number, f"未知指标代码 {code}",
                                     f"unknown indicator_code {code}", indicator_code=code))
        try:
            value = float(str(cells["target"]).replace(",", "").strip())
            if value != value or value < 0:
                raise ValueError
        except ValueError:
            row_errors.append(_error(number, f"目标值“{cells['target']}”不是非负数",
                                     f"target '{cells['target']}' is not a non-negative number",
                                     indicator_code=code))
            value = 0.0
        key = (year, unit, code)
        if key in seen:
            row_errors.append(_error(number, f"与第 {seen[key]} 行重复",
                                     f"duplicates row {seen[key]}", unit_code=unit,
                                     indicator_code=code))
        seen.setdefault(key, number)
        if row_errors:
            result.errors.extend(row_errors)
        else:
            result.targets.append(Target(year, unit, code, value))
    if not result.targets and not result.errors:
        result.errors.append(_error(2, "文件没有目标行", "the file has no target rows"))
    return result


def load(conn: Connection, target_file: TargetFile) -> int:
    """Upsert the targets of a checked file; a later file replaces earlier targets."""
    from scorecard.warehouse import sql

    if not target_file.ok:
        raise TargetFileError(f"{target_file.path}: rejected, nothing loaded")
    now = datetime.now(UTC).replace(tzinfo=None)
    conn.execute(sql("upsert_target"), [
        {"year": t.year, "unit_code": t.unit_code, "indicator_code": t.indicator_code,
         "target": t.target, "source": target_file.path, "loaded_at": now}
        for t in target_file.targets
    ])
    return len(target_file.targets)
