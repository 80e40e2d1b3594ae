"""Annual target files (contract §1): read, checked row by row, and loaded whole or not at all.

A file with any faulty row is rejected whole, and every faulty row is named. A row is faulty when:

- its year is not a whole number from 2000 to 2100 (a number cell, or digits such as ``2026``);
- its unit_code (or ``CITY``) or indicator_code is not in the catalog, or it repeats an earlier row;
- its target is not a finite number (``inf``, ``nan`` and ``1e400`` are not), is negative, or is above
  the most the indicator can plausibly reach in a year:

  - a percentage (a ``ratio`` indicator, or measure_unit ``%``): 100, or the catalog's max_value when
    lower (a city ratio is a weighted mean of the units' ratios, so the same bound holds for ``CITY``);
  - any other indicator, for one unit: the catalog's max_value. max_value bounds every reported value,
    and the report that meets an annual target is itself a reported value: a flow's December
    year-to-date figure is the whole year, a stock's year-end level is its December figure. A higher
    target could never be reported as achieved, so the target or the catalog is wrong;
  - for ``CITY``: max_value times the number of catalog units the indicator applies to, since the city
    figure is the sum over the units;
  - always at most :data:`CEILING`, the only bound when the catalog gives no max_value.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from scorecard import parsing, receiving, sources
from scorecard.catalog import Catalog, Indicator
from scorecard.vocabulary import CITY, Kind
from scorecard.warehouse import read_catalog, take_lock

COLUMNS = ("year", "unit_code", "indicator_code", "target")
YEARS = range(2000, 2101)
"""Years a target may be set for."""
PERCENT = 100.0
"""Largest target of a percentage indicator."""
CEILING = 1e12
"""Largest target of any indicator, whatever its catalog range."""

_YEAR = re.compile(r"(\d{4})(?:\.0*)?")


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
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def verdict(self) -> dict[str, Any]:
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


def _error(row: int, message_zh: str, message_en: str, **where: object) -> dict[str, Any]:
    return {"row": row, **where, "message": f"{message_zh} / {message_en}"}


def _year(raw: object) -> int | None:
    """The year in a cell (a whole number cell, or digits like ``2026`` or ``2026.0``), or None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int):
        year = raw
    elif match := _YEAR.fullmatch(str(raw).strip()):
        year = int(match[1])
    else:
        return None
    return year if year in YEARS else None


def _amount(raw: object) -> float | None:
    """The finite number in a target cell (thousands separators allowed), or None."""
    if isinstance(raw, bool):
        return None
    try:
        value = float(str(raw).replace(",", "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _figure(value: float) -> str:
    """A bound as a clerk writes it: ``2000000``, not ``2e+06``."""
    return f"{value:.15g}"


def _limit(indicator: Indicator, unit_code: str, cat: Catalog) -> tuple[float, str, str]:
    """The largest plausible annual target of ``indicator`` for a unit or CITY, with its basis (zh, en)."""
    top = indicator.max_value
    if indicator.kind == Kind.RATIO or indicator.measure_unit == "%":
        return (PERCENT if top is None else min(top, PERCENT), "百分数，且不超过指标目录的 max_value",
                "a percentage, within the catalog's max_value")
    if top is None:
        return (CEILING, "指标目录未设 max_value，取绝对上限",
                "no max_value in the catalog: the absolute ceiling")
    if unit_code != CITY:
        return (min(top, CEILING), "单位全年数不超过指标目录的 max_value",
                "a unit's figure for the year is at most the catalog's max_value")
    units = max(1, sum(indicator.applies(u.unit_type) for u in cat.units.values()))
    return (min(top * units, CEILING), f"{units} 个适用单位 × 指标目录的 max_value {_figure(top)}",
            f"{units} units it applies to × the catalog's max_value {_figure(top)}")


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
        year = _year(cells["year"])
        if year is None:
            row_errors.append(_error(number, f"年份“{cells['year']}”不是 {YEARS[0]} 至 {YEARS[-1]} 的整数",
                                     f"year '{cells['year']}' is not a whole number from {YEARS[0]} "
                                     f"to {YEARS[-1]}"))
        if unit != CITY and unit not in cat.units:
            row_errors.append(_error(number, f"未知单位代码 {unit}", f"unknown unit_code {unit}",
                                     unit_code=unit))
        indicator = cat.indicators.get(code)
        if indicator is None:
            row_errors.append(_error(number, f"未知指标代码 {code}",
                                     f"unknown indicator_code {code}", indicator_code=code))
        value = _amount(cells["target"])
        if value is None or value < 0:
            row_errors.append(_error(number, f"目标值“{cells['target']}”不是有限的非负数",
                                     f"target '{cells['target']}' is not a finite non-negative number",
                                     indicator_code=code))
        elif indicator is not None and (unit == CITY or unit in cat.units):
            bound, why_zh, why_en = _limit(indicator, unit, cat)
            if value > bound:
                row_errors.append(_error(
                    number, f"目标值“{cells['target']}”超过合理上限 {_figure(bound)}（{why_zh}）",
                    f"target '{cells['target']}' is above the plausible maximum {_figure(bound)} ({why_en})",
                    unit_code=unit, indicator_code=code))
        if year is not None:
            first = seen.setdefault((year, unit, code), number)
            if first != number:
                row_errors.append(_error(number, f"与第 {first} 行重复", f"duplicates row {first}",
                                         unit_code=unit, indicator_code=code))
        if row_errors:
            result.errors.extend(row_errors)
        elif year is not None and value is not None:
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


def load_dropped(engine: Engine, inbox: str, run_id: str | None = None) -> list[dict[str, Any]]:
    """Load the target files dropped in ``<inbox>/targets/`` that were not loaded yet, in path order.

    Each file is loaded whole or rejected whole (with a verdict naming each faulty row); either way it
    is recorded as received so that it is not taken again until its bytes change. As for submissions
    (``pending_files``), only files listed at a version not recorded for their location are read.
    """
    received = receiving.Received(engine, sources.join(inbox, sources.TARGETS_FOLDER))
    verdicts = []
    seen_again: list[sources.FileBytes] = []
    for entry in sources.listed_target_files(inbox):
        if received.unchanged(entry):
            continue
        uri = entry.uri
        file = sources.read(uri, parsing.max_file_bytes())
        if file is None:
            continue
        if received.received(file):
            seen_again.append(replace(file, data=b""))
            continue
        with engine.begin() as conn:
            take_lock(conn, receiving.LOCK)
            if receiving.not_yet_received(conn, [file]) == []:
                continue
            try:
                if file.error:
                    raise TargetFileError(parsing.refused(uri, file.error)[0].problems[0].message)
                checked = read_bytes(uri, file.data, read_catalog(conn))
            except TargetFileError as exc:
                checked = TargetFile(uri, errors=[{"row": None, "message": str(exc)}])
            if checked.ok:
                load(conn, checked)
            receiving.record_file(conn, file, "targets" if checked.ok else "targets_rejected", run_id=run_id)
        verdicts.append(checked.verdict())
    receiving.record_versions(engine, seen_again)
    return verdicts
