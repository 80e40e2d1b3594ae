"""The JSON the pages' charts are drawn from (``/api/...``), also there for the data team's own scripts.

``/api/matrix`` serves a whole snapshot (some 85,000 rows for a country) from one query, each row an
array in the order of ``fields`` rather than an object, encoded by msgspec (a requirement of Airflow's
core) rather than FastAPI's per-value conversion: the half-million floats of a national snapshot take
0.3 s with the standard library's encoder, 0.02 s with msgspec.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.engine import Connection

from scorecard.snapshots import JSON_FIELDS
from scorecard.warehouse import read_catalog
from scorecard.web import choices, queries, summaries
from scorecard.web.render import file_name, iso_time

Conn = Annotated[Connection, Depends(queries.connection)]
STALE = JSON_FIELDS.index("stale")
SERVED = len(JSON_FIELDS)
"""A stored row's first columns are the contract's fields; the rest (baseline, source month) is not served."""
router = APIRouter()


@router.get("/matrix")
def matrix(conn: Conn, period: str | None = None, version: Annotated[int | None, Query(ge=1)] = None,
           unit: str | None = None) -> Response:
    """A snapshot version's rows (of one unit if ``unit`` is given), CITY first, then by indicator and
    unit, with the catalog's names:
    ``{"period", "version", "snapshot_id", "taken_at", "threshold", "fields", "rows": [[...], ...],
    "indicators": [[code, name_zh, name_en, measure_unit], ...],
    "units": [[code, name_zh, unit_type], ...]}``.
    """
    chosen = choices.snapshot(queries.snapshot_versions(conn), period, version)
    catalog = read_catalog(conn)
    rows = queries.matrix_rows(conn, chosen.snapshot_id, unit)
    if conn.dialect.name == "sqlite":  # its booleans are 0/1
        listed = [(*r[:STALE], None if r[STALE] is None else bool(r[STALE]), *r[STALE + 1:SERVED])
                  for r in rows]
    else:
        listed = [tuple(r[:SERVED]) for r in rows]
    document = {
        "period": chosen.period, "version": chosen.version, "snapshot_id": chosen.snapshot_id,
        "taken_at": iso_time(chosen.taken_at), "threshold": chosen.threshold, "fields": JSON_FIELDS,
        "rows": listed,
        "indicators": [[i.code, i.name_zh, i.name_en, i.measure_unit] for i in catalog.indicators.values()],
        "units": [[u.code, u.name_zh, str(u.unit_type)] for u in catalog.units.values()],
    }
    return Response(msgspec.json.encode(document), media_type="application/json")


def _submission(root: str, found: dict[str, Any]) -> dict[str, Any]:
    link = f"{root}/download/{{}}/{found['file_id']}"
    return {
        "file_id": found["file_id"], "file": file_name(found["uri"]), "run_id": found["run_id"],
        "status": found["status"], "version": found["version"], "in_force": found["in_force"],
        "submitted_at": found["submitted_at"].isoformat() if found["submitted_at"] else None,
        "received_at": iso_time(found["received_at"]), "rules": found["rules"], "errors": found["errors"],
        "warnings": found["warnings"],
        "original": link.format("original") if found["quarantined"] else None,
        "feedback": link.format("feedback") if found["has_feedback"] else None,
    }


@router.get("/submissions")
def submissions(request: Request, conn: Conn, period: str | None = None) -> dict[str, Any]:
    """Every unit's submissions of a month (by default the one being reported now) and its state:
    ``reported``, ``rejected`` or ``missing``."""
    period = choices.period(period) or choices.reporting_period()
    root = request.scope.get("root_path", "").rstrip("/")
    units = summaries.month_by_unit(queries.submissions(conn, period, period), read_catalog(conn))
    return {"period": period, "units": [
        {"unit_code": u.code, "name_zh": u.name, "state": u.state,
         "submissions": [_submission(root, s) for s in u.submissions]} for u in units]}


@router.get("/unit/{unit_code}")
def unit(unit_code: str, conn: Conn,
         year: Annotated[int | None, Query(ge=2000, le=9999)] = None) -> dict[str, Any]:
    """A unit's (or CITY's) indicators month by month of a year: completion and 序时进度 per month (null
    where no snapshot has the row), and its row in the year's latest snapshot version with its rank among
    ``ranked`` units."""
    indicators = choices.unit_indicators(read_catalog(conn), unit_code)
    versions = queries.snapshot_versions(conn)
    found = queries.unit_year(conn, unit_code, [i.code for i in indicators], versions,
                              choices.year(versions, year))
    latest = found.latest
    return {
        "unit_code": unit_code, "year": found.year,
        "latest": {"period": latest.period, "version": latest.version} if latest else None,
        "months": list(range(1, 13)),
        "indicators": [{
            "indicator_code": i.code, "name_zh": i.name_zh, "measure_unit": i.measure_unit,
            **{field: [found.months[i.code].get(m, {}).get(field) for m in range(1, 13)]
               for field in ("completion_rate", "expected_rate", "gap", "status")},
            "latest": {k: v for k, v in found.latest_rows[i.code].items() if k != "indicator_code"}
            if i.code in found.latest_rows else None,
        } for i in indicators],
    }


@router.get("/diff")
def diff(conn: Conn, period: str | None = None,
         from_version: Annotated[int | None, Query(alias="from", ge=1)] = None,
         to_version: Annotated[int | None, Query(alias="to", ge=1)] = None) -> dict[str, Any]:
    """What changed between two snapshot versions of a period (``snapshots.diff``; by default its last
    two, the latest period's when none is given)."""
    return choices.diff(conn, period, from_version, to_version)
