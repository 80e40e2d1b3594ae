"""Benchmark: one month's snapshot at national scale, on PostgreSQL and SQLite, with 10 years and 1 year
of history.

    .venv/bin/python bench/snapshot.py [--units 5000] [--years 10] [--backend postgresql --backend sqlite]

Builds a throwaway warehouse per backend and history length (units × 17 indicators × 12 months × years,
bulk-loaded: COPY on PostgreSQL, executemany on SQLite), then times ``snapshots.take`` of April, May and
June of the last year, each a new version (the median counts: this machine's speed varies from one
second to the next), then June again with unchanged inputs. Goal: ≤ 5 s on PostgreSQL, and
the 10-year time within 1.5 × the 1-year time. ``take`` computes and stores the version, as the monthly
DAG does; reading its rows back into Python (``snapshots.load``, what ``scorecard snapshot --json`` and
the bulletin do next) is timed apart. Besides wall time it prints the CPU time of this process and, for
a PostgreSQL server on this machine, of its backends: on a shared machine wall time alone says little.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa

from scorecard import catalog, snapshots, warehouse
from scorecard.vocabulary import UnitType

PG_ADMIN_URL = os.environ.get("SCORECARD_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
LAST_YEAR = 2025
TODAY = date(2026, 1, 15)
NOW = datetime(2026, 1, 1)
PERIODS = [f"{LAST_YEAR}-{month:02d}" for month in (4, 5, 6)]
T = TypeVar("T")


def national_catalog(units: int) -> catalog.Catalog:
    base = catalog.load_files()
    return catalog.build(base.indicators.values(), [
        catalog.Unit(f"U{n:05d}", f"单位{n}", f"Unit {n}", UnitType.COUNTY if n % 3 else UnitType.PARK, None)
        for n in range(units)])


def submissions(cat: catalog.Catalog, years: int) -> Iterator[tuple]:
    """(submission_id, unit_code, year, month) for every unit and month of the history."""
    sid = 0
    for year in range(LAST_YEAR - years + 1, LAST_YEAR + 1):
        for month in range(1, 13):
            for unit in cat.units:
                sid += 1
                yield sid, unit, year, month


def values(cat: catalog.Catalog, years: int, rng: random.Random) -> Iterator[tuple]:
    """(submission_id, indicator_code, value, numerator, denominator) of every submission: the indicators
    that apply to the unit, optional ones left out three times in ten (the snapshot then looks back)."""
    applicable = {u.code: cat.applicable(u) for u in cat.units.values()}
    for sid, unit, _year, month in submissions(cat, years):
        for ind in applicable[unit]:
            if not ind.required and rng.random() < 0.3:
                continue
            if ind.kind == "ratio":
                num, den = rng.uniform(1, 50), rng.uniform(100, 900)
                yield sid, ind.code, 100 * num / den, num, den
            else:
                yield sid, ind.code, round(rng.uniform(0, 40) * month, 2), None, None


def target_rows(cat: catalog.Catalog, rng: random.Random) -> list[dict]:
    return [{"year": LAST_YEAR, "unit_code": u, "indicator_code": i, "target": rng.uniform(100, 600),
             "source": "bench", "loaded_at": NOW} for u in cat.units for i in cat.indicators]


def submission_row(sid: int, unit: str, year: int, month: int) -> tuple:
    return (sid, 1, unit, f"{year}-{month:02d}", year, month, NOW, "accepted", True, "[]", "[]")


SUBMISSION_COLUMNS = ("submission_id, file_id, unit_code, period, year, month, received_at, status, "
                      "in_force, errors, warnings")


def load_postgres(eng: sa.Engine, cat: catalog.Catalog, years: int, rng: random.Random) -> None:
    raw = eng.raw_connection()
    try:
        with raw.cursor() as cur:
            cur.execute("insert into received_files (file_id, uri, sha256, size_bytes, received_at, outcome) "
                        "values (1, 'bench', 'bench', 0, now(), 'accepted')")
            with cur.copy(f"copy submissions ({SUBMISSION_COLUMNS}) from stdin") as copy:
                for s in submissions(cat, years):
                    copy.write_row(submission_row(*s))
            with cur.copy("copy reported_values (submission_id, indicator_code, value, numerator, "
                          "denominator) from stdin") as copy:
                for v in values(cat, years, rng):
                    copy.write_row(v)
            cur.execute("select setval(pg_get_serial_sequence('submissions', 'submission_id'), "
                        "(select max(submission_id) from submissions))")
        raw.commit()
    finally:
        raw.close()
    # A warehouse filled month by month has long been vacuumed when it is snapshotted; right after
    # COPY, the first query to read each row would also set its hint bits and write its page again.
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("vacuum (analyze)")


def load_sqlite(eng: sa.Engine, cat: catalog.Catalog, years: int, rng: random.Random) -> None:
    raw = eng.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("insert into received_files (file_id, uri, sha256, size_bytes, received_at, outcome) "
                    "values (1, 'bench', 'bench', 0, '2026-01-01', 'accepted')")
        cur.executemany(f"insert into submissions ({SUBMISSION_COLUMNS}) values (?,?,?,?,?,?,?,?,?,?,?)",
                        (submission_row(*s) for s in submissions(cat, years)))
        cur.executemany("insert into reported_values (submission_id, indicator_code, value, numerator, "
                        "denominator) values (?,?,?,?,?)", values(cat, years, rng))
        cur.execute("analyze")
        raw.commit()
    finally:
        raw.close()


def build(url: str, backend: str, units: int, years: int) -> tuple[sa.Engine, float]:
    """A warehouse holding the synthetic history; the seconds the bulk load took."""
    rng = random.Random(years)
    eng = warehouse.engine(url)
    cat = national_catalog(units)
    warehouse.init_db(eng, cat)
    with eng.begin() as conn:
        conn.execute(warehouse.sql("upsert_target"), target_rows(cat, rng))
    started = time.perf_counter()
    (load_postgres if backend == "postgresql" else load_sqlite)(eng, cat, years, rng)
    return eng, time.perf_counter() - started


def _backend_cpu(pids: list[int]) -> float | None:
    """CPU seconds the PostgreSQL backends ``pids`` have used, when the server runs on this machine."""
    if not pids:
        return None
    try:
        ticks = 0
        for pid in pids:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


def timed(pids: list[int], action: Callable[[], T]) -> tuple[dict, T]:
    """Wall time of ``action``, and the CPU time of this process and of the server's backends."""
    server_before, cpu_before, started = _backend_cpu(pids), time.process_time(), time.perf_counter()
    result = action()
    server_after = _backend_cpu(pids)
    server = None if server_before is None or server_after is None else server_after - server_before
    return {"wall": time.perf_counter() - started, "client_cpu": time.process_time() - cpu_before,
            "server_cpu": server}, result


def _load(eng: sa.Engine, taken: snapshots.SnapshotVersion) -> snapshots.Snapshot | None:
    with eng.connect() as conn:
        return snapshots.load(conn, taken.period, taken.version)


def _track_backends(eng: sa.Engine) -> list[int]:
    pids: list[int] = []
    if eng.dialect.name == "postgresql":
        @sa.event.listens_for(eng, "connect")
        def _backend_pid(dbapi_connection, _record) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("select pg_backend_pid()")
                pids.append(cursor.fetchone()[0])

        eng.dispose()
        with eng.connect():  # a pooled connection, so that the first take is measured too
            pass
    return pids


@contextmanager
def scratch_warehouse(backend: str, workdir: Path, name: str) -> Iterator[str]:
    """The URL of an empty warehouse database for one run: a new database on the PostgreSQL server
    (dropped afterwards) or an SQLite file in ``workdir``."""
    if backend != "postgresql":
        yield f"sqlite:///{workdir / f'{name}.db'}"
        return
    database = f"scorecard_{name}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{database}"'))
    try:
        yield sa.engine.make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{database}" with (force)'))
        admin.dispose()


def run(backend: str, units: int, years: int, workdir: Path) -> dict:
    with scratch_warehouse(backend, workdir, f"bench_{years}y") as url:
        eng, load_seconds = build(url, backend, units, years)
        pids = _track_backends(eng)
        news = [timed(pids, lambda p=p: snapshots.take(eng, p, today=TODAY)) for p in PERIODS]
        taken = news[-1][1]
        again, same = timed(pids, lambda: snapshots.take(eng, taken.period, today=TODAY))
        assert same == taken and all(v.version == 1 for _, v in news)
        read, snap = timed(pids, lambda: _load(eng, taken))
        assert snap is not None
        eng.dispose()
        return {"backend": backend, "years": years, "load": load_seconds,
                "take_new": sorted((t for t, _ in news), key=lambda t: t["wall"])[len(news) // 2],
                "take_new_walls": [t["wall"] for t, _ in news], "take_unchanged": again,
                "read_rows": read, "rows": len(snap.rows)}


def _figures(timing: dict) -> str:
    server = "" if timing["server_cpu"] is None else f", server cpu {timing['server_cpu']:.2f} s"
    return f"{timing['wall']:5.2f} s (client cpu {timing['client_cpu']:.2f} s{server})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--backend", action="append", choices=("postgresql", "sqlite"))
    args = parser.parse_args()
    results = []
    print(f"{args.units} units x 17 indicators, {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory() as workdir:
        for backend in args.backend or ("postgresql", "sqlite"):
            for years in (args.years, 1):
                result = run(backend, args.units, years, Path(workdir))
                results.append(result)
                print(f"{backend:10} {years:2}y  load {result['load']:6.1f} s  {result['rows']} rows  "
                      f"take (new, median of {', '.join(f'{w:.2f}' for w in result['take_new_walls'])}) "
                      f"{_figures(result['take_new'])}  "
                      f"take (unchanged) {_figures(result['take_unchanged'])}  "
                      f"read rows back {_figures(result['read_rows'])}", flush=True)
    for backend in {r["backend"] for r in results}:
        long, short = (next(r for r in results if r["backend"] == backend and r["years"] == y)
                       for y in (args.years, 1))
        print(f"{backend}: {args.years}y / 1y = "
              f"{long['take_new']['wall'] / short['take_new']['wall']:.2f} (new), "
              f"{long['take_unchanged']['wall'] / short['take_unchanged']['wall']:.2f} (unchanged)")


if __name__ == "__main__":
    main()
