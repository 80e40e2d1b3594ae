"""Benchmark: the matrix JSON (``/api/matrix``) of a national snapshot, as the scorecard app serves it.

    .venv/bin/python bench/matrix.py [--units 5000] [--backend postgresql --backend sqlite]

Builds a throwaway warehouse per backend with a year of synthetic submissions (``bench/snapshot.py``'s
``build``: units × 17 indicators × 12 months) and takes June's snapshot (5,000 units: 85,017 rows), then
asks the app for that snapshot's matrix through an in-process client five times and prints the median
(goal: ≤ 1 s), with the response's size. The app's login is stubbed: Airflow's check of the token is not
what is measured. ``--units 300`` makes a quick run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from snapshot import LAST_YEAR, build, scratch_warehouse

from scorecard import snapshots
from scorecard.web import auth, create_app

PERIOD = f"{LAST_YEAR}-06"
TODAY = date(LAST_YEAR + 1, 1, 15)
GOAL_SECONDS = 1.0


def serve_matrix(url: str, times: int = 5) -> tuple[list[float], int, int]:
    """Seconds of each request for the matrix, the response's bytes and rows."""
    os.environ["SCORECARD_DB_URL"] = url
    app = create_app()
    app.dependency_overrides[auth.user] = lambda: "bench"
    client = TestClient(app)
    walls, size, rows = [], 0, 0
    for _ in range(times):
        started = time.perf_counter()
        answer = client.get("/api/matrix", params={"period": PERIOD})
        walls.append(time.perf_counter() - started)
        answer.raise_for_status()
        size, rows = len(answer.content), len(answer.json()["rows"])
    return walls, size, rows


def run(backend: str, units: int, workdir: Path) -> dict:
    with scratch_warehouse(backend, workdir, "bench_matrix") as url:
        eng, _ = build(url, backend, units, years=1)
        snapshots.take(eng, PERIOD, today=TODAY)
        walls, size, rows = serve_matrix(url)
        eng.dispose()
        return {"backend": backend, "walls": walls, "median": statistics.median(walls), "bytes": size,
                "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--backend", action="append", choices=("postgresql", "sqlite"))
    args = parser.parse_args()
    print(f"{args.units} units x 17 indicators, {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory() as workdir:
        for backend in args.backend or ("postgresql", "sqlite"):
            result = run(backend, args.units, Path(workdir))
            verdict = "within" if result["median"] <= GOAL_SECONDS else "OVER"
            print(f"{backend:10}  /api/matrix {result['rows']} rows, {result['bytes'] / 1e6:.1f} MB: "
                  f"median {result['median']:.2f} s of {', '.join(f'{w:.2f}' for w in result['walls'])} "
                  f"({verdict} the {GOAL_SECONDS:.0f} s goal)", flush=True)


if __name__ == "__main__":
    main()
