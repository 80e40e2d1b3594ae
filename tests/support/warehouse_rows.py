"""Rows written straight into the warehouse, for tests of what reads them (snapshots, bulletins)."""

from __future__ import annotations

import itertools
from datetime import datetime

import sqlalchemy as sa

from scorecard import warehouse

_ids = itertools.count()


def submit(eng: sa.Engine, unit: str, period: str, values: dict[str, float | tuple[float, float]],
           in_force: bool = True) -> int:
    """Insert one accepted submission; a ratio's figure is given as (numerator, denominator).

    In force by default, superseding the unit's earlier submission for the period.
    """
    with eng.begin() as conn:
        if in_force:
            conn.execute(sa.text("update submissions set in_force = false "
                                 "where unit_code = :u and period = :p"), {"u": unit, "p": period})
        file_id = conn.execute(sa.text(
            "insert into received_files (uri, sha256, size_bytes, received_at, outcome) "
            "values (:uri, :sha, 1, :at, 'accepted') returning file_id"),
            {"uri": f"test-{next(_ids)}", "sha": f"{next(_ids):064d}", "at": datetime(2026, 1, 1)}
        ).scalar_one()
        sid = conn.execute(sa.text(
            "insert into submissions (file_id, unit_code, period, year, month, received_at, status, "
            "in_force, errors, warnings) values (:f, :u, :p, :y, :m, :at, 'accepted', :force, '[]', '[]') "
            "returning submission_id"),
            {"f": file_id, "u": unit, "p": period, "y": int(period[:4]), "m": int(period[5:]),
             "at": datetime(2026, 1, 1), "force": in_force}).scalar_one()
        conn.execute(sa.text(
            "insert into reported_values (submission_id, indicator_code, value, numerator, denominator) "
            "values (:s, :i, :v, :n, :d)"),
            [{"s": sid, "i": code, "v": 100 * v[0] / v[1] if isinstance(v, tuple) else v,
              "n": v[0] if isinstance(v, tuple) else None, "d": v[1] if isinstance(v, tuple) else None}
             for code, v in values.items()])
    return sid


def set_targets(eng: sa.Engine, year: int, rows: list[tuple[str, str, float]]) -> None:
    """Upsert (unit, indicator, target) rows of ``year``, as a target file would."""
    with eng.begin() as conn:
        conn.execute(warehouse.sql("upsert_target"), [
            {"year": year, "unit_code": u, "indicator_code": i, "target": t, "source": "test",
             "loaded_at": datetime(2026, 1, 1)} for u, i, t in rows])
