"""Benchmark: a poll of an inbox where nothing is new, with N and then 2N files received, and what it reads.

    .venv/bin/python bench/poll.py [--files 60000] [--backend sqlite --backend postgresql]

Writes N tiny CSV files into an inbox (100 per folder) and records them in a fresh warehouse as received,
with the rows and the batched insert the loader writes (``receiving.received_file_row``,
``warehouse.insert_returning``); neither is timed. Then runs a no-op poll — what ``scorecard_ingest``
does every 15 minutes when nothing arrived: ``load_dropped_targets`` and ``pending_files`` — counting the
files it reads (``sources.read``) and their bytes, and times it (median of three). Then the inbox doubles
and the poll is measured again. Goal (issue 11): the bytes read do not grow with the inbox — none are
read — while the listing and the one query of what was received grow with it, and are all a poll costs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa
from snapshot import scratch_warehouse

from scorecard import catalog, receiving, sources, targets, warehouse

PER_FOLDER = 100


def write_inbox(inbox: Path, start: int, stop: int) -> list[str]:
    """Files ``start`` to ``stop`` of the inbox, each a few dozen bytes of its own."""
    uris = []
    for n in range(start, stop):
        folder = inbox / f"U{n // PER_FOLDER:05d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{n:07d}.csv"
        path.write_bytes(f"unit_code,period,indicator_code,value\nU{n:07d},2026-10,HTE_APPLY,{n}\n".encode())
        uris.append(str(path))
    return uris


def record_received(eng: sa.Engine, inbox: Path, uris: list[str]) -> None:
    """Record the files as received long ago, as the loader does, without parsing or validating them.

    Each at the version it is listed at: files written a moment ago have not settled
    (``sources.SETTLE_SECONDS``), and a file read before it settled is recorded without one.
    """
    listed = {f.uri: f for f in sources.listed_submission_files(str(inbox))}
    rows = []
    for uri in uris:
        file = sources.read(uri)
        assert file is not None
        settled = replace(file, modified_at=listed[uri].modified_at, etag=listed[uri].etag)
        rows.append(receiving.received_file_row(settled, "accepted"))
    with eng.begin() as conn:
        warehouse.insert_returning(conn, "received_files", rows, "file_id")


@contextmanager
def counted_reads() -> Iterator[dict[str, int]]:
    """Count the files read through ``sources.read`` (every read of the ingest goes through it) and their
    bytes (a file over the size limit counts the bytes hashed)."""
    read, counts = sources.read, {"files": 0, "bytes": 0}

    def counting(uri: str, limit: int | None = None) -> sources.FileBytes | None:
        file = read(uri, limit)
        counts["files"] += 1
        counts["bytes"] += file.size if file else 0
        return file

    sources.read = counting  # type: ignore[assignment]
    try:
        yield counts
    finally:
        sources.read = read  # type: ignore[assignment]


def timed(action: Callable[[], object], repeat: int = 3) -> float:
    """The median wall time of ``action``, in seconds."""
    walls = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def no_op_poll(eng: sa.Engine, inbox: str) -> None:
    assert targets.load_dropped(eng, inbox) == []
    assert receiving.pending_files(eng, inbox) == []


def run(backend: str, files: int, workdir: Path) -> None:
    inbox = workdir / f"inbox_{backend}"
    with scratch_warehouse(backend, workdir, "bench_poll") as url:
        eng = warehouse.engine(url)
        warehouse.init_db(eng, catalog.load_files())
        received = 0
        for total in (files, 2 * files):
            started = time.perf_counter()
            record_received(eng, inbox, write_inbox(inbox, received, total))
            received = total
            setup = time.perf_counter() - started
            with counted_reads() as counts:
                no_op_poll(eng, str(inbox))
            wall = timed(lambda: no_op_poll(eng, str(inbox)))
            listing = timed(lambda: sources.listed_submission_files(str(inbox)))
            print(f"{backend:10} {total:>8,} files received: no-op poll {wall:5.2f} s "
                  f"(listing {listing:.2f} s), {counts['files']} files read, {counts['bytes']} bytes read  "
                  f"[setup {setup:.0f} s]", flush=True)
        eng.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=60_000)
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory() as workdir:
        for backend in args.backend or ("sqlite", "postgresql"):
            run(backend, args.files, Path(workdir))


if __name__ == "__main__":
    main()
