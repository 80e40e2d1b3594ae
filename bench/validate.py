"""Benchmark: a clerk's ``scorecard validate FILE --json``, as a clerk runs it (a new process each time).

    .venv/bin/python bench/validate.py [--runs 5] [--scorecard .venv/bin/scorecard]

Writes a county's workbook of all 17 indicators (``scorecard.samples``; accepted, so every Great Expectations
suite runs over its rows) and a CSV rejected by its structure alone (no indicator_code or value column: no
rows, so no suite), then prints the median wall time of ``--runs`` runs of ``scorecard validate`` on each,
and of ``scorecard --help``, as subprocesses without a warehouse (the clerk's case). Then the same workbook
through the warm validator (``SCORECARD_VALIDATOR_URL``): the scorecard app served on loopback by uvicorn,
as the API server serves it but with the Airflow login stubbed out, its first (cold) answer timed apart.
Goal (issue 11): ≤ 3 s for the workbook. Wall and CPU seconds (of the command, not of the validator) are
both printed: on a shared machine wall time alone says little.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scorecard import catalog, samples

GOAL_S = 3.0
PERIOD = "2026-09"
SERVE = """
import sys, uvicorn
from scorecard.web import auth, create_app
app = create_app()
app.dependency_overrides[auth.user] = lambda: "bench"
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall and CPU seconds of one run of ``command``, and its stdout."""
    cpu, wall = _children_cpu(), time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return time.perf_counter() - wall, _children_cpu() - cpu, done.stdout


def _report(label: str, command: list[str], env: dict[str, str], runs: int, goal: bool = False) -> None:
    timed = [_time(command, env) for _ in range(runs)]
    wall, cpu = statistics.median(t[0] for t in timed), statistics.median(t[1] for t in timed)
    verdict = f", {json.loads(timed[-1][2])['status']}" if "--json" in command else ""
    against = f"  goal ≤ {GOAL_S:.0f} s: {'met' if wall <= GOAL_S else 'NOT met'}" if goal else ""
    print(f"  {label:<48} {wall:5.2f} s wall (CPU {cpu:.2f} s){verdict}{against}")


@contextmanager
def _validator(folder: Path) -> Iterator[str]:
    """The URL of the scorecard app served on a free loopback port, its warehouse in ``folder``."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SCORECARD_DB_URL": f"sqlite:///{folder / 'warehouse.db'}"}
    server = subprocess.Popen([sys.executable, "-c", SERVE, str(port)], env=env)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the validator did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scorecard", default=str(Path(sys.executable).with_name("scorecard")),
                        help="the command to time (another checkout's, to compare)")
    args = parser.parse_args()
    cat = catalog.load_files()
    unit = cat.units["C01"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        workbook = folder / f"{unit.code}_{PERIOD}.xlsx"
        report = samples.synthetic_report(cat, unit, 0, PERIOD)
        workbook.write_bytes(samples.workbook_bytes(report, cat))
        structure = folder / f"{unit.code}_{PERIOD}_no_columns.csv"
        structure.write_text(f"unit_code,period\n{unit.code},{PERIOD}\n", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARD_")}
        env["SCORECARD_DATA_DIR"] = str(folder / "no_warehouse")
        validate = [args.scorecard, "validate", str(workbook), "--json"]
        print(f"median of {args.runs} runs of {args.scorecard}:")
        _report(f"validate, {len(report.figures)}-indicator workbook", validate, env, args.runs, goal=True)
        _report("validate, CSV rejected by structure", [args.scorecard, "validate", str(structure), "--json"],
                env, args.runs)
        _report("--help", [args.scorecard, "--help"], env, args.runs)
        with _validator(folder) as url:
            remote = {**env, "SCORECARD_VALIDATOR_URL": url}
            _report("validate, workbook, warm validator: first call", validate, remote, 1)
            _report("validate, workbook, warm validator", validate, remote, args.runs, goal=True)


if __name__ == "__main__":
    main()
