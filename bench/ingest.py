"""Benchmark: parse + validate + load N synthetic monthly submissions, end to end.

    .venv/bin/python bench/ingest.py [--units 5000] [--backend sqlite|postgresql|both] [--workers N ...]

Generates one month of submissions for N synthetic units (half workbooks, half CSV; generation is not
timed), then ingests them into a fresh warehouse in a child process, with one worker process and with
one per core, and prints submissions per second and peak memory. Goals (issue 11), on PostgreSQL:
≥ 600 submissions/s on one core, ≥ 1,000/s on all cores, peak ≤ 500 MB for 5,000 files.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from queue import Empty

import psutil
import sqlalchemy as sa

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _run(url: str, files: list[str], n_units: int, quarantine: str, workers: int, queue) -> None:
    from scorecard import ingest, samples, validation, warehouse

    catalog = samples.synthetic_catalog(n_units)
    eng = warehouse.engine(url)
    warehouse.init_db(eng, catalog)
    started = time.perf_counter()
    validation.start_great_expectations()  # the one-off Great Expectations start-up, timed apart
    warm = time.perf_counter()
    report = ingest.ingest_files(eng, files, quarantine_root=quarantine, workers=workers)
    done = time.perf_counter()
    queue.put({
        "startup_s": warm - started,
        "ingest_s": done - warm,
        "counts": report.counts(),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    })


def measure(url: str, files: list[str], n_units: int, workdir: Path, workers: int) -> dict:
    """The child's figures, and ``total_pss_mb``: the peak, sampled every 100 ms, of the memory the child and
    its worker processes hold together (proportional set size: pages they share counted once)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_run, args=(url, files, n_units, str(workdir / "quarantine"), workers,
                                               queue))
    child.start()
    total_pss = 0
    while True:
        total_pss = max(total_pss, _pss(child.pid))
        try:
            result = queue.get(timeout=0.1)
            break
        except Empty:
            continue
    child.join()
    return {**result, "total_pss_mb": total_pss / 2**20}


def _pss(pid: int) -> int:
    """Bytes held by the process ``pid`` and its descendants, shared pages divided among their sharers."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        try:  # smaps_rollup: the kernel's sums, far cheaper to read than every mapping's smaps
            rollup = Path(f"/proc/{process.pid}/smaps_rollup").read_text()
        except OSError:  # a worker ended between the listing and the reading
            continue
        total += next(int(line.split()[1]) * 1024 for line in rollup.splitlines() if line.startswith("Pss:"))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--period", default="2026-09")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--workers", type=int, action="append",
                        help="worker processes (repeatable; default: 1 and all cores)")
    args = parser.parse_args()

    from scorecard import samples

    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores, {platform.machine()}, Python {platform.python_version()}; "
          f"{capacity(cores)}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        catalog = samples.synthetic_catalog(args.units)
        t = time.perf_counter()
        files = [str(p) for p in samples.generate_month(workdir / "inbox", catalog, args.period)]
        print(f"generated {len(files)} submissions in {time.perf_counter() - t:.1f} s")
        backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
        for backend in backends:
            for workers in args.workers or sorted({1, cores}):
                with fresh_warehouse(backend, workdir) as url:
                    result = measure(url, files, args.units, workdir, workers)
                rate = len(files) / result["ingest_s"]
                print(f"{backend:>10}, {workers} worker(s): {len(files)} submissions in "
                      f"{result['ingest_s']:.1f} s = {rate:.0f}/s "
                      f"(+ {result['startup_s']:.1f} s GX start-up), "
                      f"peak {result['total_pss_mb']:.0f} MB all processes together "
                      f"(main process RSS {result['peak_mb']:.0f} MB), {result['counts']}")


def _spin(_: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.perf_counter() - started


def capacity(cores: int) -> str:
    """How much the cores give right now: the same loop alone, then one per core at once (on a shared
    machine the second figure says how far all cores can speed anything up)."""
    alone = _spin(0)
    with multiprocessing.get_context("fork").Pool(cores) as pool:
        together = max(pool.map(_spin, range(cores)))
    return f"a CPU-bound loop takes {alone:.2f} s alone, {together:.2f} s {cores} at once"


@contextmanager
def fresh_warehouse(backend: str, workdir: Path) -> Iterator[str]:
    """The URL of an empty warehouse database, dropped afterwards."""
    if backend == "sqlite":
        path = workdir / "bench.db"
        yield f"sqlite:///{path}"
        path.unlink()
        return
    name = f"scorecard_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    yield sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database "{name}" with (force)'))


if __name__ == "__main__":
    main()
