"""What a request asks for (a period, a snapshot version, a filter), checked: HTTP 422 when it is malformed,
404 when the warehouse has no such thing."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime
from typing import Any

from fastapi import HTTPException
from sqlalchemy.engine import Connection

from scorecard import snapshots
from scorecard.catalog import Catalog, Indicator
from scorecard.periods import Period, PeriodError
from scorecard.snapshots import SnapshotVersion
from scorecard.vocabulary import CITY
from scorecard.web import queries


def period(value: str | None) -> str | None:
    """``YYYY-MM`` of a month from 2000-01 up to this one, or None when not given."""
    if not value:
        return None
    try:
        return str(Period.parse(value, not_after=date.today()))
    except PeriodError as exc:
        raise HTTPException(422, f"报告期有误 / {exc}") from exc


def reporting_period() -> str:
    """The month units are reporting now: the one before this month, in the bureau's zone."""
    return str(Period.of(datetime.now(UTC)).previous())


def one_of(value: str, allowed: Collection[str], name: str) -> str:
    """``value`` when it is empty or one of ``allowed``."""
    if value and value not in allowed:
        raise HTTPException(422, f"{name} 取值有误 / {name} must be one of {', '.join(sorted(allowed))}")
    return value


def snapshot(versions: Sequence[SnapshotVersion], period_value: str | None,
             version: int | None) -> SnapshotVersion:
    """The snapshot version asked for among ``versions``; by default the latest of the latest period."""
    chosen = queries.choose(versions, period(period_value), version)
    if chosen is None:
        what = f"{period_value or ''} v{version}" if version else period_value or ""
        raise HTTPException(404, f"没有该快照 / no snapshot {what}".strip())
    return chosen


def unit_indicators(catalog: Catalog, unit_code: str) -> list[Indicator]:
    """The indicators of a unit of the catalog (every one for CITY)."""
    if unit_code == CITY:
        return list(catalog.indicators.values())
    if unit_code not in catalog.units:
        raise HTTPException(404, f"没有单位 {unit_code} / no unit {unit_code}")
    return catalog.applicable(catalog.units[unit_code])


def year(versions: Sequence[SnapshotVersion], asked: int | None) -> int:
    """The year asked for, else that of the latest snapshot, else this one."""
    return asked or (versions[0].year if versions else datetime.now(UTC).year)


def diff(conn: Connection, period_value: str | None, from_version: int | None,
         to_version: int | None) -> dict[str, Any]:
    """``snapshots.diff`` of the versions asked for: by default the last two of the latest period."""
    chosen = snapshot(queries.snapshot_versions(conn), period_value, to_version)
    try:
        return snapshots.diff(conn, chosen.period, from_version, chosen.version)
    except snapshots.SnapshotError as exc:
        raise HTTPException(404, f"没有该快照版本 / {exc}") from exc
