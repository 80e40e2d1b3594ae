"""How the bulletin reads a snapshot for a leader: severity order, figures shown per measure unit (counts
as integers, money with thousands separators, gaps in 个百分点), the headline, the unit × indicator heat
map, the change since the previous month and what changed since the previous version.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from scorecard import labels, snapshots
from scorecard.catalog import Catalog
from scorecard.vocabulary import CITY, Status

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEVERITY = (Status.LAGGING, Status.BEHIND, Status.NO_DATA, Status.ON_TRACK, Status.ACHIEVED,
            Status.NO_TARGET)
"""Worst first: the order of the bulletin's indicators and of its headline counts."""
HEADLINE_STATUSES = (Status.ACHIEVED, Status.ON_TRACK, Status.BEHIND, Status.LAGGING)
INTEGER_UNITS = frozenset({"项", "家", "家次", "个", "人", "件", "次", "户", "所", "名"})
"""Measure units of things counted one by one: shown and formatted as whole numbers."""
PERCENT_UNITS = frozenset({"%", "％"})


def is_count(measure_unit: str) -> bool:
    return measure_unit in INTEGER_UNITS


def number(value: float | None, measure_unit: str) -> str:
    """A figure as a reader sees it: counts as integers, others with thousands separators, at most two
    decimals (``—`` for none)."""
    if value is None:
        return "—"
    if is_count(measure_unit):
        return f"{round(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def number_format(measure_unit: str) -> str:
    """The workbook's number format of a figure in ``measure_unit``."""
    return "#,##0" if is_count(measure_unit) else "0.00" if measure_unit in PERCENT_UNITS else "#,##0.00"


POINTS_FORMAT = "+0.0;-0.0;0.0"
"""The workbook's number format of a gap in percentage points."""


def points(gap: float | None) -> str:
    """A gap (a difference of rates) in signed percentage points, never ``-0.0``: a gap that rounds to
    zero but is not zero keeps two significant figures, so a ``behind`` row never reads 0."""
    if gap is None:
        return "—"
    value = gap * 100
    if abs(value) < 1e-9:
        return "0.0"
    shown = f"{value:+.1f}"
    if float(shown) == 0:
        shown = f"{value:+.2g}"
    return shown


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def local_time(moment: datetime) -> str:
    """A stored (naive UTC) time in Asia/Shanghai."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{aware.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"


def severity(row: snapshots.Row) -> tuple[int, float, str]:
    """Sort key: status worst first, then the largest shortfall first, then the code."""
    gap = row.gap if row.gap is not None else math.inf
    return SEVERITY.index(Status(row.status)), gap, row.indicator_code


def city_rows(snap: snapshots.Snapshot) -> list[snapshots.Row]:
    return sorted((r for r in snap.rows if r.unit_code == CITY), key=severity)


def previous_period(period: str) -> str | None:
    """The month before ``period`` in the same year (a year's targets do not carry over)."""
    year, month = int(period[:4]), int(period[5:7])
    return None if month == 1 else f"{year:04d}-{month - 1:02d}"


def month_changes(rows: Iterable[snapshots.Row], before: snapshots.Snapshot | None
                  ) -> dict[str, dict[str, Any]]:
    """Per indicator (of ``rows``, the city's): completion change in points and the status a month ago."""
    if before is None:
        return {}
    old = {r.indicator_code: r for r in before.rows if r.unit_code == CITY}
    result = {}
    for row in rows:
        prior = old.get(row.indicator_code)
        if prior is None:
            continue
        delta = (None if row.completion_rate is None or prior.completion_rate is None
                 else row.completion_rate - prior.completion_rate)
        gap_delta = None if row.gap is None or prior.gap is None else row.gap - prior.gap
        result[row.indicator_code] = {"completion": delta, "gap": gap_delta, "status_before": prior.status,
                                      "status_changed": prior.status != row.status}
    return result


def headline(rows: Sequence[snapshots.Row], changes: dict[str, dict[str, Any]], missing: list[str],
             cat: Catalog, lang: str) -> dict[str, Any]:
    """The box at the top: the city's indicators per status, the units missing, the biggest move of the
    gap since last month, and the indicators whose status changed."""
    counts = Counter(r.status for r in rows)
    moved = [(code, c) for code, c in changes.items() if c["gap"] is not None]
    biggest = max(moved, key=lambda item: abs(item[1]["gap"]), default=None)
    by_code = {r.indicator_code: r for r in rows}
    changed = [{"name": labels.indicator_name(cat, code, lang),
                "before": labels.status(c["status_before"], lang),
                "after": labels.status(by_code[code].status, lang),
                "worse": SEVERITY.index(Status(by_code[code].status)) < SEVERITY.index(
                    Status(c["status_before"]))}
               for code, c in changes.items() if c["status_changed"]]
    return {
        "total": len(rows),
        "counts": [{"status": str(s), "label": labels.status(s, lang), "count": counts.get(s, 0)}
                   for s in HEADLINE_STATUSES],
        "other": sum(n for s, n in counts.items() if s not in HEADLINE_STATUSES),
        "missing": [labels.unit_name(cat, u, lang) for u in missing],
        "biggest": None if biggest is None else {
            "name": labels.indicator_name(cat, biggest[0], lang), "points": points(biggest[1]["gap"]),
            "status": labels.status(by_code[biggest[0]].status, lang)},
        "status_changes": changed,
    }


def heat_map(snap: snapshots.Snapshot, order: Sequence[str], cat: Catalog, lang: str) -> dict[str, Any]:
    """Indicators (in ``order``) × units (the city first, then the catalog's units): each cell the
    completion rate in whole percent, coloured by status; a blank where the indicator has no row."""
    cells = {(r.indicator_code, r.unit_code): r for r in snap.rows}
    units = [CITY, *sorted(({r.unit_code for r in snap.rows} | set(snap.missing_units)) - {CITY})]
    missing = set(snap.missing_units)
    columns = [{"code": u, "name": labels.unit_name(cat, u, lang), "missing": u in missing} for u in units]
    body = []
    for code in order:
        row: list[dict[str, str] | None] = []
        for unit in units:
            r = cells.get((code, unit))
            if r is None:
                row.append(None)
                continue
            value = "" if r.completion_rate is None else f"{r.completion_rate * 100:.0f}"
            row.append({"status": r.status, "value": value, "title": (
                f"{labels.unit_name(cat, unit, lang)} · {labels.indicator_name(cat, code, lang)}: "
                f"{labels.field('completion_rate', lang)} {percent(r.completion_rate)}, "
                f"{labels.field('gap', lang)} {points(r.gap)} {labels.POINTS.said_in(lang)}, "
                f"{labels.status(r.status, lang)}")})
        body.append({"code": code, "name": labels.indicator_name(cat, code, lang), "cells": row})
    return {"columns": columns, "rows": body}


def version_changes(diff: dict[str, Any], cat: Catalog, lang: str) -> dict[str, Any]:
    """``snapshots.diff`` in words: each row whose actual, target or status changed, before and after
    (a rank moved by another unit's figure is not a change a reader needs)."""
    measure = {code: ind.measure_unit for code, ind in cat.indicators.items()}
    rows = []
    for change in diff["changes"]:
        before, after = change["before"] or {}, change["after"] or {}
        if all(before.get(f) == after.get(f) for f in ("actual", "target", "status")) and before and after:
            continue
        unit = measure.get(change["indicator_code"], "")
        rows.append({
            "unit": labels.unit_name(cat, change["unit_code"], lang),
            "indicator": labels.indicator_name(cat, change["indicator_code"], lang),
            "actual_before": number(before.get("actual"), unit),
            "actual_after": number(after.get("actual"), unit),
            "status_before": labels.status(before.get("status"), lang),
            "status_after": labels.status(after.get("status"), lang),
            "is_city": change["unit_code"] == CITY,
        })
    rows.sort(key=lambda r: (not r["is_city"], r["indicator"], r["unit"]))
    missing = diff["missing_units"]
    before_missing = set(missing["before"] or [])
    return {"from_version": diff["from_version"], "rows": rows,
            "now_reported": [labels.unit_name(cat, u, lang) for u in sorted(before_missing - set(
                missing["after"]))]}
