"""Benchmark: parse + validate + load N synthetic monthly submissions, end to end.

    .venv/bin/python bench/ingest.py [--units 5000] [--backend sqlite|postgresql|both]

Generates one month of submissions for N synthetic units (half workbooks, half CSV; generation is not
timed), then ingests them into a fresh warehouse in a child process and prints submissions per second
and the child's peak memory. Goal (issue 2): ≥ 500 submissions/s on one core, ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _run(url: str, files: list[str], n_units: int, quarantine: str, queue) -> None:
    from scorecard import config, ingest, samples, validation, warehouse

    catalog = samples.synthetic_catalog(n_units)
    eng = warehouse.engine(url)
    warehouse.init_db(eng, catalog)
    started = time.perf_counter()
    validation.load_suites(config.expectations_dir())  # the one-off Great Expectations start-up, timed apart
    warm = time.perf_counter()
    report = ingest.ingest_files(eng, files, quarantine_root=quarantine)
    done = time.perf_counter()
    queue.put({
        "startup_s": warm - started,
        "ingest_s": done - warm,
        "counts": report.counts(),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    })


def measure(url: str, files: list[str], n_units: int, workdir: Path) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_run, args=(url, files, n_units, str(workdir / "quarantine"), queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--period", default="2026-09")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()

    from scorecard import samples

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        catalog = samples.synthetic_catalog(args.units)
        t = time.perf_counter()
        files = [str(p) for p in samples.generate_month(workdir / "inbox", catalog, args.period)]
        print(f"generated {len(files)} submissions in {time.perf_counter() - t:.1f} s")
        backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
        for backend in backends:
            if backend == "sqlite":
                url, cleanup = f"sqlite:///{workdir / 'bench.db'}", None
            else:
                name = f"scorecard_bench_{uuid.uuid4().hex[:8]}"
                admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(sa.text(f'create database "{name}"'))
                url, cleanup = sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(False), name
            result = measure(url, files, args.units, workdir)
            rate = len(files) / result["ingest_s"]
            print(f"{backend:>10}: {len(files)} submissions in {result['ingest_s']:.1f} s = {rate:.0f}/s "
                  f"(+ {result['startup_s']:.1f} s GX start-up), peak {result['peak_mb']:.0f} MB, "
                  f"{result['counts']}")
            if cleanup:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'drop database "{cleanup}" with (force)'))


if __name__ == "__main__":
    main()
