"""Preparing files for loading: read, parse and check them with the suites, in parallel where it pays.

Preparing needs no warehouse and no lock, so batches of files can be prepared side by side: in processes
of the command line (``prepared``), or in mapped Airflow tasks that Celery spreads over its workers
(``encode`` and ``decode`` carry a prepared batch through the warehouse to the task that loads it).
Loading stays in receiving order, one batch after the other (``ingest``).

A prepared batch is a list of ``Planned`` items in receiving order: a file and its checked submissions, or
``None`` for a copy of a file earlier in the same batch. Copies of files received before are found when the
batch is loaded, against the warehouse as it is then.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy.engine import Connection, Engine

from scorecard import parsing, sources, validation
from scorecard.catalog import Catalog
from scorecard.memory import cyclic_gc_paused
from scorecard.model import ParsedSubmission
from scorecard.warehouse import sql

Planned = tuple[sources.FileBytes, list[ParsedSubmission] | None]
"""A file of a batch and its parsed and checked submissions; ``None`` for a copy of an earlier file."""

KEPT_DAYS = 7
"""How long the prepared batches of an Airflow run are kept (``forget_old``)."""

PARALLEL_BATCH = 1000
"""Files per batch handed to a worker process: large enough that one Great Expectations run (~0.3 s
whatever its size) is a small share of it, small enough that workers share the last batches."""


def prepare(uris: Sequence[str], catalog: Catalog, today: date | None = None) -> list[Planned]:
    """Read ``uris`` (a file that vanished since it was listed is dropped), parse each file once per
    content, and run the suites once over all their rows. Each file keeps its bytes: the loader
    quarantines any file it rejects, by these rules or by those it checks against the warehouse.
    """
    with cyclic_gc_paused():
        read = (sources.read(uri, parsing.max_file_bytes()) for uri in uris)
        plan = _parsed([f for f in read if f is not None], catalog, today)
        validation.check_data([s for _, subs in plan for s in subs or ()], catalog)
    return plan


def _parsed(files: list[sources.FileBytes], catalog: Catalog, today: date | None) -> list[Planned]:
    seen: set[str] = set()
    plan: list[Planned] = []
    for file in files:
        if file.error is not None:
            plan.append((file, parsing.refused(file.uri, file.error)))
        elif file.sha256 in seen:
            plan.append((file, None))
        else:
            seen.add(file.sha256)
            plan.append((file, parsing.parse_file(file.uri, file.data, catalog, today)))
    return plan


def batches(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    """``items`` cut, in order, into slices of ``size``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def prepared(uris: Sequence[str], catalog: Catalog, today: date | None, batch_size: int,
             workers: int = 1) -> Iterator[list[Planned]]:
    """The batches of ``uris``, prepared, in receiving order; by ``workers`` processes side by side.

    At most two batches per worker are prepared ahead of the one being loaded, so memory is bounded by
    the batch size, not by the inbox; an inbox of one batch is prepared here, without starting workers.
    The workers are forked from this process after Great Expectations is imported and its context built
    here once, so that none of them pays that start-up again (Celery's prefork workers are daemons, which
    may not start processes: in Airflow, mapped tasks prepare batches side by side instead).
    """
    workers = min(workers, -(-len(uris) // batch_size))  # no more processes than batches
    if workers <= 1:
        for batch in batches(uris, batch_size):
            yield prepare(batch, catalog, today)
        return
    validation.start_great_expectations()
    gc.freeze()  # a worker's collector then leaves what it inherited alone, so it stays shared (-55 % memory)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_Worker.start, initargs=(catalog, today)) as pool:
            queued: deque[Future[bytes]] = deque()
            for batch in batches(uris, batch_size):
                queued.append(pool.submit(_Worker.prepare, batch))
                if len(queued) == 2 * workers:
                    yield _decoded(queued.popleft())
            while queued:
                yield _decoded(queued.popleft())
    finally:
        gc.unfreeze()


def _decoded(prepared: Future[bytes]) -> list[Planned]:
    with cyclic_gc_paused():
        return decode(prepared.result())


class _Worker:
    """What a worker process prepares with, handed over once when it starts (forked, not pickled)."""

    catalog: Catalog
    today: date | None

    @classmethod
    def start(cls, catalog: Catalog, today: date | None) -> None:
        cls.catalog, cls.today = catalog, today

    @classmethod
    def prepare(cls, uris: Sequence[str]) -> bytes:
        """The prepared batch, encoded: msgspec takes a tenth of the time pickle takes for its objects."""
        return encode(prepare(uris, cls.catalog, cls.today))


@dataclass
class _Prepared:
    file: sources.FileBytes
    submissions: list[ParsedSubmission] | None


def encode(plan: list[Planned]) -> bytes:
    """A prepared batch as bytes to store between the task that prepares it and the one that loads it."""
    return msgspec.msgpack.encode([_Prepared(file, subs) for file, subs in plan])


def decode(payload: bytes) -> list[Planned]:
    """The prepared batch ``encode`` gave, typed and checked field by field (never unpickled)."""
    return [(item.file, item.submissions) for item in msgspec.msgpack.decode(payload, type=list[_Prepared])]


@dataclass
class Stored:
    """A batch of an Airflow run as the warehouse holds it: prepared, or already loaded (``result``)."""

    plan: list[Planned] | None
    result: dict[str, Any] | None


def store(engine: Engine, run_id: str, batch: int, plan: list[Planned]) -> None:
    """Keep a prepared batch for the run's load task, in place of any prepared before (a retried task)."""
    with engine.begin() as conn:
        conn.execute(sql("delete_prepared_batch"), {"run_id": run_id, "batch": batch})
        conn.execute(sql("insert_prepared_batch"), {"run_id": run_id, "batch": batch, "payload": encode(plan),
                                                "prepared_at": datetime.now(UTC).replace(tzinfo=None)})


def stored(engine: Engine, run_id: str, batch: int) -> Stored | None:
    """The run's batch as the warehouse holds it; None when it was never prepared (its task failed)."""
    with engine.connect() as conn:
        row = conn.execute(sql("select_prepared_batch"), {"run_id": run_id, "batch": batch}).first()
    if row is None:
        return None
    return Stored(None if row.payload is None else decode(row.payload), row.result)


def mark_loaded(conn: Connection, run_id: str, batch: int, result: dict[str, Any]) -> None:
    """Record, in the transaction that loads the batch, what loading it gave, and let its files go."""
    conn.execute(sql("update_prepared_batch_loaded"), {"run_id": run_id, "batch": batch, "result": result})


def forget_old(engine: Engine, days: int = KEPT_DAYS) -> None:
    """Delete the batches prepared more than ``days`` ago: their runs ended long since."""
    before = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=days)
    with engine.begin() as conn:
        conn.execute(sql("delete_old_prepared_batches"), {"before": before})

