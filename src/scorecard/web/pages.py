"""The HTML pages: this month's matrix, a month's submissions, a unit's year, bulletins and versions, and
what an Airflow run did."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BeforeValidator, Field
from sqlalchemy.engine import Connection

from scorecard import snapshots
from scorecard.vocabulary import CITY, Status, UnitType
from scorecard.warehouse import read_catalog
from scorecard.web import choices, queries, summaries
from scorecard.web.render import page

INGEST_DAG = "scorecard_ingest"
SNAPSHOT_DAG = "scorecard_monthly_snapshot"
"""The DAGs whose runs have a page of their own; any other run's page says there is nothing to show."""

Conn = Annotated[Connection, Depends(queries.connection)]
Version = Annotated[Annotated[int, Field(ge=1)] | None, BeforeValidator(lambda given: given or None), Query()]
"""A snapshot version; the filter form's empty choice ("最新 latest") is the latest version."""
router = APIRouter(default_response_class=HTMLResponse)


@router.get("/")
def home(request: Request) -> RedirectResponse:
    return RedirectResponse(f"{request.scope.get('root_path', '')}/month")


@router.get("/month")
def month(request: Request, conn: Conn, period: str | None = None,
          version: Version = None, unit_type: str = "", indicator: str = "",
          status: str = "", page_number: Annotated[int, Query(alias="page", ge=1)] = 1) -> HTMLResponse:
    """The unit × indicator matrix of a snapshot version, CITY on top, filtered."""
    versions = queries.snapshot_versions(conn)
    if not versions:
        return page(request, "empty.html", title="本月指标", message="还没有任何快照 / no snapshot yet")
    chosen = choices.snapshot(versions, period, version)
    catalog = read_catalog(conn)
    filters = {"unit_type": choices.one_of(unit_type, [str(t) for t in UnitType], "unit_type"),
               "indicator": choices.one_of(indicator, catalog.indicators, "indicator"),
               "status": choices.one_of(status, [str(s) for s in Status], "status")}
    view = summaries.matrix(queries.matrix_rows(conn, chosen.snapshot_id), catalog, filters["unit_type"],
                            filters["indicator"], filters["status"], page_number)
    return page(request, "month.html", snapshot=chosen, version_asked=version, filters=filters, view=view,
                periods=list(dict.fromkeys(v.period for v in versions)),
                period_versions=[v for v in versions if v.period == chosen.period],
                missing=queries.missing_units(conn, chosen.snapshot_id), catalog=catalog)


@router.get("/submissions")
def submissions(request: Request, conn: Conn, period: str | None = None) -> HTMLResponse:
    """Every unit's submissions of a month: reported, rejected (rules, messages, files) or missing."""
    period = choices.period(period) or choices.reporting_period()
    units = summaries.month_by_unit(queries.submissions(conn, period, period), read_catalog(conn))
    return page(request, "submissions.html", period=period, units=units,
                counts=Counter(u.state for u in units))


@router.get("/unit/{unit_code}")
def unit(request: Request, unit_code: str, conn: Conn,
         year: Annotated[int | None, Query(ge=2000, le=9999)] = None) -> HTMLResponse:
    """A unit's (or the city's) indicators month by month, its ranks and its submissions of a year."""
    catalog = read_catalog(conn)
    indicators = choices.unit_indicators(catalog, unit_code)
    versions = queries.snapshot_versions(conn)
    found = queries.unit_year(conn, unit_code, [i.code for i in indicators], versions,
                              choices.year(versions, year))
    subs = [] if unit_code == CITY else queries.submissions(conn, f"{found.year}-01", f"{found.year}-12",
                                                             unit_code)
    return page(request, "unit.html", unit_code=unit_code, name=summaries.unit_name(catalog, unit_code),
                unit_year=found, years=sorted({v.year for v in versions} | {found.year}, reverse=True),
                indicators=indicators,
                submissions=[{**s, "rules": summaries.rules(s["errors"])} for s in subs])


@router.get("/bulletins")
def bulletins(request: Request, conn: Conn) -> HTMLResponse:
    """Every snapshot version by period with its bulletin files, and a form to compare two versions."""
    by_period: dict[str, list[snapshots.SnapshotVersion]] = defaultdict(list)
    for version in queries.snapshot_versions(conn):
        by_period[version.period].append(version)
    return page(request, "bulletins.html", by_period=by_period, files=queries.bulletins(conn))


@router.get("/diff")
def diff(request: Request, conn: Conn, period: str | None = None,
         from_version: Annotated[int | None, Query(alias="from", ge=1)] = None,
         to_version: Annotated[int | None, Query(alias="to", ge=1)] = None) -> HTMLResponse:
    """What changed between two snapshot versions of a period (by default its last two)."""
    changes = choices.diff(conn, period, from_version, to_version)
    versions = [v for v in queries.snapshot_versions(conn) if v.period == changes["period"]]
    return page(request, "diff.html", diff=changes, versions=versions, catalog=read_catalog(conn))


@router.get("/runs/{dag_id}/{run_id:path}")
def run(request: Request, dag_id: str, run_id: str, conn: Conn) -> HTMLResponse:
    """What a run of ``scorecard_ingest`` received, or which snapshot versions a run of
    ``scorecard_monthly_snapshot`` took; for any other DAG, that there is nothing to show."""
    context: dict[str, Any] = {"dag_id": dag_id, "run_id": run_id}
    if dag_id == INGEST_DAG:
        ingested = summaries.ingest_run(queries.run_files(conn, run_id))
        missing = queries.unreported_units(conn, ingested.latest_period) if ingested.latest_period else []
        return page(request, "run_ingest.html", run=ingested, missing=missing, **context)
    if dag_id == SNAPSHOT_DAG:
        taken = [summaries.snapshot_taken(version, queries.snapshot_indicators(conn, version.snapshot_id))
                 for version in queries.run_snapshots(conn, run_id)]
        return page(request, "run_snapshot.html", taken=taken, files=queries.bulletins(conn),
                    catalog=read_catalog(conn), **context)
    return page(request, "run_other.html", **context)
