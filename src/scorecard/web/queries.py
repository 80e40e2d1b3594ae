"""The warehouse reads behind the pages: one statement of ``include/sql`` each, rows as plain values.

Timestamps come back as ``datetime`` (SQLite hands a text query's timestamps back as strings), JSON
columns as lists and flags as ``bool``, whatever the backend. ``matrix_rows`` alone leaves its rows as the
driver gives them: a national snapshot has some 85,000.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy.engine import Connection, Engine

from scorecard import config, snapshots
from scorecard.snapshots import SnapshotVersion
from scorecard.vocabulary import CITY, SubmissionStatus
from scorecard.warehouse import open_engine, sql

FLAGS = ("in_force", "quarantined", "has_feedback", "stale")
MOMENTS = ("taken_at", "received_at", "submitted_at", "written_at")
DOCUMENTS = ("errors", "warnings")


@cache
def _engine(url: str) -> Engine:
    return open_engine(url)


def connection() -> Iterator[Connection]:
    """A connection to the configured warehouse (``SCORECARD_DB_URL``) for one request."""
    with _engine(config.db_url()).connect() as conn:
        yield conn


def moment(value: datetime | str | None) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _plain(row: Any) -> dict[str, Any]:
    found = dict(row)
    for name in FLAGS:
        if name in found and found[name] is not None:
            found[name] = bool(found[name])
    for name in MOMENTS:
        if name in found:
            found[name] = moment(found[name])
    for name in DOCUMENTS:
        if isinstance(found.get(name), str):
            found[name] = json.loads(found[name])
    return found


def _rows(conn: Connection, statement: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [_plain(r) for r in conn.execute(sql(statement), params).mappings()]


def _version(row: dict[str, Any]) -> SnapshotVersion:
    return SnapshotVersion(row["period"], row["version"], row["snapshot_id"], row["taken_at"],
                           row["threshold"])


def snapshot_versions(conn: Connection) -> list[SnapshotVersion]:
    """Every snapshot version, the latest period first and, within a period, the latest version first."""
    return [_version(r) for r in _rows(conn, "select_web_snapshots", {})]


def choose(versions: Sequence[SnapshotVersion], period: str | None,
           version: int | None) -> SnapshotVersion | None:
    """Version ``version`` of ``period``; its latest when no version is given; the latest version of the
    latest period when neither is. None when there is no such version."""
    period = period or (versions[0].period if versions else None)
    return next((v for v in versions if v.period == period and version in (None, v.version)), None)


def matrix_rows(conn: Connection, snapshot_id: int, unit_code: str | None = None) -> list[Sequence[Any]]:
    """The snapshot's rows (``snapshots.stored_rows``: the ``Row`` fields, SQLite's ``stale`` as 0/1), CITY
    first, then in the snapshot's order."""
    rows = snapshots.stored_rows(conn, snapshot_id, unit_code)
    return [r for r in rows if r[0] == CITY] + [r for r in rows if r[0] != CITY]


def missing_units(conn: Connection, snapshot_id: int) -> list[str]:
    """The units that had not reported the snapshot's period when it was taken."""
    return list(conn.execute(sql("select_snapshot_missing_units"), {"snapshot_id": snapshot_id}).scalars())


def unreported_units(conn: Connection, period: str) -> list[str]:
    """The catalog's units with no accepted submission for ``period`` now."""
    params = {"period": period, "accepted": str(SubmissionStatus.ACCEPTED)}
    return [r["unit_code"] for r in _rows(conn, "select_alert_missing_units", params)]


def submissions(conn: Connection, first_period: str, last_period: str,
                unit_code: str | None = None) -> list[dict[str, Any]]:
    """Every submission of the periods ``first_period`` to ``last_period`` (of one unit if given)."""
    return _rows(conn, "select_web_submissions", {"first_period": first_period, "last_period": last_period,
                                                   "unit_code": unit_code})


def run_files(conn: Connection, run_id: str) -> list[dict[str, Any]]:
    """The files an Airflow run received, one row per submission read from each."""
    return _rows(conn, "select_web_run_files", {"run_id": run_id})


def run_snapshots(conn: Connection, run_id: str) -> list[SnapshotVersion]:
    """The snapshot versions an Airflow run took or found unchanged."""
    return [_version(r) for r in _rows(conn, "select_web_run_snapshots", {"run_id": run_id})]


def snapshot_indicators(conn: Connection, snapshot_id: int) -> list[dict[str, Any]]:
    """Per indicator of a snapshot: the CITY row's status and gap, and how many units have each status."""
    params = {"snapshot_id": snapshot_id, **snapshots.SQL_VOCABULARY}
    return _rows(conn, "select_web_snapshot_indicators", params)


@dataclass(frozen=True)
class UnitYear:
    """A unit's indicators over a year: its rows in the year's latest snapshot version (with ``rank`` and
    ``ranked``, how many units were ranked), and month by month (``snapshots.history``)."""

    year: int
    latest: SnapshotVersion | None
    latest_rows: dict[str, dict[str, Any]]
    months: dict[str, dict[int, dict[str, Any]]]


def unit_year(conn: Connection, unit_code: str, indicator_codes: Sequence[str],
              versions: Sequence[SnapshotVersion], year: int) -> UnitYear:
    latest = next((v for v in versions if v.year == year), None)
    rows = {r["indicator_code"]: r for r in _rows(conn, "select_web_unit_ranks", {
        "snapshot_id": latest.snapshot_id, "unit_code": unit_code})} if latest else {}
    months = {code: {r["month"]: r for r in snapshots.history(conn, unit_code, code, year)}
              for code in indicator_codes}
    return UnitYear(year, latest, rows, months)


def bulletins(conn: Connection) -> dict[int, list[dict[str, Any]]]:
    """Every bulletin file written, by snapshot id, then language and format."""
    found: dict[int, list[dict[str, Any]]] = {}
    for row in _rows(conn, "select_web_bulletins", {}):
        found.setdefault(row["snapshot_id"], []).append(row)
    return found


def bulletin(conn: Connection, bulletin_id: int) -> dict[str, Any] | None:
    found = _rows(conn, "select_web_bulletin", {"bulletin_id": bulletin_id})
    return found[0] if found else None


def quarantined_file(conn: Connection, file_id: int) -> dict[str, Any] | None:
    """Where the original and the feedback workbook of a rejected file are kept."""
    found = _rows(conn, "select_web_quarantined_file", {"file_id": file_id})
    return found[0] if found else None
