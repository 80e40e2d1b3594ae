"""Ingest: every file of an inbox not yet received → parse → validate → load, or quarantine.

Files are taken in path order (the receiving order) and processed in batches: each batch is prepared
(read, parsed, and checked by one run of the Great Expectations suites, ``preparing``), possibly beside
others, then loaded in one transaction, batch after batch in receiving order, so that a crash leaves
nothing half-loaded and a re-run takes the same files again. A submission is accepted or
rejected whole; a rejected one never touches what is in force (contract §2.4, §3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from scorecard import config, preparing, quarantine, receiving, sources, validation
from scorecard.catalog import Catalog
from scorecard.memory import cyclic_gc_paused
from scorecard.model import ParsedSubmission, Rejection
from scorecard.preparing import Planned
from scorecard.vocabulary import SubmissionStatus
from scorecard.warehouse import (
    append_rows,
    execute_for_ids,
    insert_returning,
    naive_utc,
    read_catalog,
    sql,
    sql_with_lists,
    take_lock,
    utc_now,
)

CHUNK_SIZE = 5000
"""Files per batch in one process: one Great Expectations run (~0.3–0.7 s) and one transaction each."""
PeriodState = dict[tuple[str | None, str | None], "sa.Row[str, str, int, int | None, datetime | None]"]
"""``select_period_state``'s row (received, in_force_id, in_force_submitted_at) of each unit and period;
looked up by a submission's unit and period, which may be None (never a key)."""


@dataclass
class IngestOutcome:
    entries: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    def extend(self, other: IngestOutcome) -> None:
        self.entries.extend(other.entries)
        self.rejections.extend(other.rejections)

    def as_json(self) -> dict[str, Any]:
        """The JSON answer of contract §5 (``{"submissions": [...]}``)."""
        return {"submissions": self.entries}

    def counts(self) -> dict[str, int]:
        counts = {str(s): 0 for s in SubmissionStatus}
        for entry in self.entries:
            counts[entry["status"]] += 1
        return counts


def _waves(plan: list[Planned]) -> Iterator[list[Planned]]:
    """Split a chunk, in order, so that no wave holds two submissions of one unit and year.

    Cross-period rules compare a submission with what is loaded; loading wave by wave lets a
    unit's March be checked against its February received earlier in the same chunk.
    """
    wave: list[Planned] = []
    keys: set[tuple[str | None, int | None]] = set()
    for item in plan:
        item_keys = {(s.unit_code, s.year) for s in item[1] or ()}
        if keys & item_keys:
            yield wave
            wave, keys = [], set()
        wave.append(item)
        keys |= item_keys
    if wave:
        yield wave


class Loader:
    """Writes a chunk's files and submissions into the warehouse on one connection, wave by wave.

    Round trips are what loading costs: files, submissions, their figures, supersession and the state
    of each period are each written or read in one batched statement per wave.
    """

    def __init__(self, conn: Connection, catalog: Catalog, quarantine_root: str,
                 originals: dict[str, int], run_id: str | None = None) -> None:
        self.conn = conn
        self.run_id = run_id
        self.catalog = catalog
        self.quarantine_root = quarantine_root
        self.originals = originals
        self.staged: list[str] = []
        """SHA-256 of the rejected files written into the quarantine's staging by this transaction."""

    def load_wave(self, wave: list[Planned], outcome: IngestOutcome) -> None:
        subs = [s for _, file_subs in wave for s in file_subs or ()]
        validation.check_history(self.conn, subs, self.catalog)
        state = self._period_state(subs)
        fresh = [(file, file_subs) for file, file_subs in wave if file_subs is not None]
        file_ids = insert_returning(self.conn, "received_files",
                                    [self._file_row(f, file_subs) for f, file_subs in fresh], "file_id")
        id_of = {id(file): file_id for (file, _), file_id in zip(fresh, file_ids, strict=True)}
        for (file, _), file_id in zip(fresh, file_ids, strict=True):
            self.originals.setdefault(file.sha256, file_id)
        ordered = [(id_of[id(file)], sub) for file, file_subs in fresh for sub in file_subs]
        submission_ids = insert_returning(self.conn, "submissions", [
            self._submission_row(file_id, sub, state) for file_id, sub in ordered], "submission_id")
        values: list[dict[str, Any]] = []
        in_force: list[tuple[int, int | None]] = []
        for (_, sub), submission_id in zip(ordered, submission_ids, strict=True):
            if sub.status == SubmissionStatus.ACCEPTED:
                self._accepted(submission_id, sub, state, values, in_force)
        append_rows(self.conn, "insert_reported_value", "reported_values", values)
        replaced = [old for _, old in in_force if old is not None]
        execute_for_ids(self.conn, "update_out_of_force", replaced)  # first: in force is unique per period
        execute_for_ids(self.conn, "update_in_force", [new for new, _ in in_force],
                        accepted=str(SubmissionStatus.ACCEPTED))
        for file, file_subs in wave:
            if file_subs is None:
                outcome.entries.extend(self._duplicate(file))
                continue
            outcome.entries.extend(sub.verdict() for sub in file_subs)
            self._quarantine(file, id_of[id(file)], file_subs, outcome)

    def _period_state(self, subs: list[ParsedSubmission]) -> PeriodState:
        keys = {(s.unit_code, s.period) for s in subs if s.unit_code and s.period}
        if not keys:
            return {}
        rows = self.conn.execute(sql_with_lists("select_period_state", "unit_codes", "periods"), {
            "unit_codes": sorted({unit for unit, _ in keys}),
            "periods": sorted({period for _, period in keys}),
        })
        return {(r.unit_code, r.period): r for r in rows}

    def _file_row(self, file: sources.FileBytes, subs: list[ParsedSubmission]) -> dict[str, Any]:
        statuses = {s.status for s in subs}
        file_outcome = str(statuses.pop()) if len(statuses) == 1 else "partial"
        return receiving.received_file_row(file, file_outcome, run_id=self.run_id)

    def _duplicate(self, file: sources.FileBytes) -> list[dict[str, Any]]:
        original_id = self.originals[file.sha256]
        receiving.record_file(self.conn, file, str(SubmissionStatus.DUPLICATE), duplicate_of=original_id,
                    run_id=self.run_id)
        rows = self.conn.execute(sql("select_file_submissions"), {"file_id": original_id}).all()
        read = [(r.unit_code, r.period) for r in rows] or [(None, None)]  # an unreadable original
        return [{"file": file.uri, "status": str(SubmissionStatus.DUPLICATE), "unit_code": unit,
                 "period": period, "errors": [], "warnings": []} for unit, period in read]

    @staticmethod
    def _submission_row(file_id: int, sub: ParsedSubmission, state: PeriodState) -> dict[str, Any]:
        """The submission's row; its version counts the submissions of its unit and period so far.

        A wave holds at most one submission per unit and year, so the warehouse's count is current.
        """
        current = state.get((sub.unit_code, sub.period))
        keyed = bool(sub.unit_code and sub.period)
        return {
            "file_id": file_id, "unit_code": sub.unit_code, "period": sub.period, "year": sub.year,
            "month": sub.month, "submitted_at": naive_utc(sub.submitted_at), "received_at": utc_now(),
            "status": str(sub.status), "version": (current.received if current else 0) + 1 if keyed else None,
            "in_force": False,
            "errors": [p.as_dict() for p in sub.errors],
            "warnings": [p.as_dict() for p in sub.warnings],
        }

    @staticmethod
    def _accepted(submission_id: int, sub: ParsedSubmission, state: PeriodState,
                  values: list[dict[str, Any]], in_force: list[tuple[int, int | None]]) -> None:
        """Queue an accepted submission's figures, and its going into force if it supersedes."""
        values.extend(
            {"submission_id": submission_id, "indicator_code": row.indicator_code, "value": row.value,
             "numerator": row.numerator, "denominator": row.denominator, "note": row.note,
             "cell": row.cells.get("value"), "line": row.line}
            for row in sub.rows
        )
        current = state.get((sub.unit_code, sub.period))
        if current is None or supersedes(naive_utc(sub.submitted_at), current.in_force_id,
                                         current.in_force_submitted_at):
            in_force.append((submission_id, current.in_force_id if current else None))

    def _quarantine(self, file: sources.FileBytes, file_id: int, subs: list[ParsedSubmission],
                    outcome: IngestOutcome) -> None:
        rejected = [s for s in subs if s.status == SubmissionStatus.REJECTED]
        if not rejected:
            return
        kept = quarantine.stage(self.quarantine_root, file.name, file.data, file.sha256, rejected)
        self.staged.append(file.sha256)
        self.conn.execute(sql("insert_quarantine"), {
            "file_id": file_id, "stored_path": kept.stored_path, "report_path": kept.report_path,
            "feedback_path": kept.feedback_path, "created_at": utc_now(),
        })
        outcome.rejections.extend(
            Rejection(file.uri, file.sha256, s.unit_code, s.period, [p.as_dict() for p in s.errors],
                      kept.feedback_path)
            for s in rejected
        )


def supersedes(submitted_at: datetime | None, current_id: int | None,
               current_submitted_at: datetime | None) -> bool:
    """Whether a newly received accepted submission goes into force (contract §2.4).

    Ordered by ``submitted_at`` when both have one, else by receiving order — and the new one was
    received last, so it loses only to a current one that says it was filled in later.
    """
    if current_id is None:
        return True
    if submitted_at is not None and current_submitted_at is not None:
        return submitted_at >= current_submitted_at
    return True


def ingest_files(engine: Engine, uris: Sequence[str], today: date | None = None,
                 quarantine_root: str | None = None, progress: Callable[[int], None] | None = None,
                 batch_size: int | None = None, run_id: str | None = None, workers: int = 1) -> IngestOutcome:
    """Receive ``uris`` in order: duplicates recorded, the rest validated, then loaded or quarantined.

    Files are read, parsed and validated outside any transaction, by ``workers`` processes side by side
    (``preparing.prepared``); each batch is then loaded in one transaction under the ingest lock, in
    receiving order, which first drops what another run received meanwhile. So any number of runs at once
    end as one run would: each file received once (contract §2.4). ``run_id`` names the Airflow run
    receiving them, if any.
    """
    outcome = IngestOutcome()
    quarantine_root = quarantine_root or config.quarantine_dir()
    catalog = current_catalog(engine)
    quarantine.sweep(engine, quarantine_root)
    size = batch_size or (CHUNK_SIZE if workers <= 1 else preparing.PARALLEL_BATCH)
    for plan in preparing.prepared(list(uris), catalog, today, size, workers):
        outcome.extend(load(engine, plan, catalog, quarantine_root, run_id))
        if progress:
            progress(len(plan))
    return outcome


def current_catalog(engine: Engine) -> Catalog:
    with engine.connect() as conn:
        return read_catalog(conn)


def load(engine: Engine, plan: list[Planned], catalog: Catalog, quarantine_root: str,
         run_id: str | None = None,
         finish: Callable[[Connection, IngestOutcome], None] | None = None) -> IngestOutcome:
    """Load a prepared batch in one transaction under the ingest lock, and ``finish`` in that transaction
    (what must commit with it); its rejected files' quarantine is moved into place once it committed."""
    outcome = IngestOutcome()
    loader: Loader | None = None
    try:
        with cyclic_gc_paused(), engine.begin() as conn:
            take_lock(conn, receiving.LOCK)
            plan = _still_new(conn, plan)
            originals = receiving.originals(conn, [f for f, _ in plan])
            loader = Loader(conn, catalog, quarantine_root, originals, run_id)
            for wave in _waves(plan):
                loader.load_wave(wave, outcome)
            if finish:
                finish(conn, outcome)
    except BaseException:
        if loader is not None:
            quarantine.discard(quarantine_root, loader.staged)
        raise
    quarantine.promote(quarantine_root, loader.staged)
    return outcome


def _still_new(conn: Connection, plan: list[Planned]) -> list[Planned]:
    """The plan less what another run received since it was made: files received at their location are
    dropped, and a file whose bytes another run received is now their duplicate."""
    new = {id(f) for f in receiving.not_yet_received(conn, [f for f, _ in plan])}
    originals = receiving.originals(conn, [f for f, _ in plan])
    return [(file, None if file.error is None and file.sha256 in originals else subs)
            for file, subs in plan if id(file) in new]
