"""What the pages show, shaped from the warehouse's rows: the matrix, a month's submissions by unit, what a
run received or took. Plain functions of rows and the catalog, no database."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scorecard import labels
from scorecard.catalog import Catalog, Indicator
from scorecard.snapshots import JSON_FIELDS, Row, SnapshotVersion
from scorecard.vocabulary import ALERT_STATUSES, CITY, SEVERITY, Status, SubmissionStatus

REPORTED, REJECTED, MISSING = "reported", "rejected", "missing"
"""Where a unit stands for a month: an accepted submission, only rejected ones, or none."""
STATUS = JSON_FIELDS.index("status")


@dataclass(frozen=True)
class MatrixUnit:
    code: str
    name: str
    cells: list[Row | None]
    """One per shown indicator: the unit's row, None when it has none."""


@dataclass(frozen=True)
class Matrix:
    indicators: list[Indicator]
    units: list[MatrixUnit]
    """CITY first, then this page's units."""
    matched: int
    """Units (CITY aside) the filters keep, on every page."""
    page: int
    pages: int


def unit_name(catalog: Catalog, code: str | None) -> str:
    return labels.unit_name(catalog, code, unknown=labels.UNKNOWN_UNIT.zh)


def matrix(rows: Iterable[Sequence[Any]], catalog: Catalog, unit_type: str | None = None,
           indicator: str | None = None, status: str | None = None, page: int = 1,
           page_size: int = 200) -> Matrix:
    """The unit × indicator matrix of a snapshot's rows (``snapshots.Row`` fields), kept to the units of
    ``unit_type``, the one ``indicator``, the units with a cell of ``status``, by unit code; CITY stays on
    top of every page."""
    by_unit: dict[str, dict[str, Sequence[Any]]] = {}
    for values in rows:
        by_unit.setdefault(values[0], {})[values[1]] = values
    shown = [i for i in catalog.indicators.values()
             if (not indicator or i.code == indicator) and (not unit_type or i.applies(unit_type))]
    codes = [i.code for i in shown]

    def keep(code: str) -> bool:
        unit, cells = catalog.units.get(code), by_unit[code]
        if unit_type and (unit is None or unit.unit_type != unit_type):
            return False
        if not any(c in cells for c in codes):
            return False
        return not status or any(cells[c][STATUS] == status for c in codes if c in cells)

    kept = sorted(code for code in by_unit if code != CITY and keep(code))
    pages = max(1, -(-len(kept) // page_size))
    page = min(max(page, 1), pages)
    listed = ([CITY] if CITY in by_unit else []) + kept[(page - 1) * page_size:page * page_size]
    units = [MatrixUnit(code, unit_name(catalog, code),
                        [Row(*by_unit[code][c]) if c in by_unit[code] else None for c in codes])
             for code in listed]
    return Matrix(shown, units, len(kept), page, pages)


def rules(errors: Iterable[dict[str, Any]]) -> list[str]:
    """The rule ids of a submission's errors, each once, in order of appearance."""
    return list(dict.fromkeys(e["rule"] for e in errors))


@dataclass
class UnitMonth:
    """One unit's submissions of a month and where it stands."""

    code: str
    name: str
    submissions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def state(self) -> str:
        found = {s["status"] for s in self.submissions}
        if SubmissionStatus.ACCEPTED in found:
            return REPORTED
        return REJECTED if SubmissionStatus.REJECTED in found else MISSING


def month_by_unit(submissions: Iterable[dict[str, Any]], catalog: Catalog) -> list[UnitMonth]:
    """Every catalog unit with its submissions of the month (in receiving order), then any unit code a
    submission gave that the catalog does not know."""
    units = {code: UnitMonth(code, unit.name_zh) for code, unit in catalog.units.items()}
    for sub in submissions:
        code = sub["unit_code"] or "?"
        units.setdefault(code, UnitMonth(code, unit_name(catalog, code))).submissions.append(
            {**sub, "rules": rules(sub["errors"])})
    return list(units.values())


@dataclass
class RunFile:
    """A file an ingest run received, with the submissions read from it."""

    file_id: int
    uri: str
    received_at: datetime | None
    outcome: str
    quarantined: bool
    has_feedback: bool
    submissions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class IngestRun:
    files: list[RunFile]
    counts: dict[str, int]
    """Submissions by status (accepted, rejected) and files by other outcome (duplicate, targets…)."""
    rejected_units: list[tuple[str, int]]
    """Unit codes with rejected submissions and how many (``?`` when the file named none), most first."""
    rejected_rules: list[tuple[str, int]]
    latest_period: str | None
    """The latest month the run received a submission for: the one whose missing units are shown."""


def ingest_run(rows: Iterable[dict[str, Any]]) -> IngestRun:
    """The files of an ingest run (rows of ``queries.run_files``) and what became of them."""
    files: dict[int, RunFile] = {}
    counts: Counter[str] = Counter()
    units: Counter[str] = Counter()
    rule_counts: Counter[str] = Counter()
    periods = set()
    for row in rows:
        file = files.get(row["file_id"])
        if file is None:
            file = files[row["file_id"]] = RunFile(row["file_id"], row["uri"], row["received_at"],
                                                   row["outcome"], row["quarantined"], row["has_feedback"])
            if row["submission_id"] is None:
                counts[row["outcome"]] += 1
        if row["submission_id"] is None:
            continue
        file.submissions.append({**row, "rules": rules(row["errors"])})
        counts[row["status"]] += 1
        if row["period"]:
            periods.add(row["period"])
        if row["status"] == SubmissionStatus.REJECTED:
            units[row["unit_code"] or "?"] += 1
            rule_counts.update(rules(row["errors"]))
    return IngestRun(list(files.values()), dict(counts), units.most_common(), rule_counts.most_common(),
                     max(periods) if periods else None)


@dataclass(frozen=True)
class SnapshotTaken:
    """A snapshot version a run took: how many unit rows have each status, and the indicators that need
    attention (the city's behind or lagging, or some unit lagging): the city's lagging first, then
    behind, then by how many units lag, then by the city's gap."""

    version: SnapshotVersion
    totals: dict[str, int]
    attention: list[dict[str, Any]]


def snapshot_taken(version: SnapshotVersion, indicators: Iterable[dict[str, Any]]) -> SnapshotTaken:
    """From the rows of ``queries.snapshot_indicators``."""
    indicators = list(indicators)
    totals = {str(s): sum(i[str(s)] for i in indicators) for s in Status}
    attention = [i for i in indicators if i["city_status"] in ALERT_STATUSES or i["lagging"]]
    attention.sort(key=lambda i: (-SEVERITY.get(i["city_status"], 0), -i["lagging"],
                                  i["city_gap"] if i["city_gap"] is not None else math.inf))
    return SnapshotTaken(version, totals, attention)
