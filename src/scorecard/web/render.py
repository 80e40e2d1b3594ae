"""HTML pages from the Jinja templates of ``web/templates``, with the house's ways of showing figures.

Rates are shown as percentages and gaps as signed percentage points (个百分点), as in the alerts; statuses
and field names in the words of ``labels``, as in the alerts and the bulletin; times in the bureau's zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from scorecard import labels, mail
from scorecard.vocabulary import Status, UnitType

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATUS_ORDER = (Status.LAGGING, Status.BEHIND, Status.ON_TRACK, Status.ACHIEVED, Status.NO_DATA,
                Status.NO_TARGET)
"""The order statuses are listed in: the ones that need attention first."""


@cache
def bureau_zone() -> ZoneInfo:
    from scorecard.periods import TIMEZONE

    return ZoneInfo(TIMEZONE)


def local_time(moment: datetime | None) -> str:
    """A warehouse time (UTC, stored without zone) in the bureau's zone: ``2026-11-03 14:05``."""
    if moment is None:
        return "—"
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{aware.astimezone(bureau_zone()):%Y-%m-%d %H:%M}"


def iso_time(moment: datetime | None) -> str | None:
    """A warehouse time as ISO 8601 in the bureau's zone (``2026-11-03T14:05:09+08:00``), for JSON."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(bureau_zone()).isoformat(timespec="seconds")


def points_text(gap: float | None) -> str:
    """A gap in percentage points, said so: -0.123 -> ``-12.3 个百分点``."""
    return "—" if gap is None else f"{mail.format_points(gap)} {labels.POINTS.zh}"


def file_name(uri: str | None) -> str:
    """The last part of a path or URL."""
    return (uri or "").rstrip("/").rsplit("/", 1)[-1]


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=mail.format_pct, points=mail.format_points, pp=points_text, num=mail.format_num,
                       local_time=local_time, status_zh=labels.status, file_name=file_name)
    env.globals.update(STATUS_ORDER=[str(s) for s in STATUS_ORDER], zone=bureau_zone().key,
                       label=labels.field, unit_name=labels.unit_name,
                       unit_types={str(t): labels.UNIT_TYPES[t] for t in UnitType})
    return env


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The page ``template`` rendered with ``context``; links in it start with ``root``, the path the
    app is mounted at (``/scorecard`` under Airflow)."""
    root = request.scope.get("root_path", "").rstrip("/")
    html = environment().get_template(template).render(root=root, path=request.url.path, **context)
    return HTMLResponse(html, status_code=status_code)
