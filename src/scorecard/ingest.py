"""Ingest: every file of an inbox not yet received → parse → validate → load, or quarantine.

Files are taken in path order (the receiving order) and processed in chunks: the Great Expectations
suites run once over a whole chunk, and each chunk is loaded in one transaction, so that a crash
leaves nothing half-loaded and a re-run takes the same files again. A submission is accepted or
rejected whole; a rejected one never touches what is in force (contract §2.4, §3).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from scorecard import config, parsing, quarantine, sources, validation
from scorecard.catalog import Catalog
from scorecard.model import ParsedSubmission
from scorecard.vocabulary import SubmissionStatus
from scorecard.warehouse import read_catalog, sql

CHUNK_SIZE = 500


@cache
def _period_submissions() -> sa.TextualSelect:
    """``select_period_submissions`` with its date-time typed (SQLite hands back text otherwise)."""
    return sql("select_period_submissions").columns(
        sa.column("received", sa.Integer), sa.column("submission_id", sa.Integer),
        sa.column("submitted_at", sa.DateTime),
    )


@dataclass
class Rejection:
    """A rejected submission, with what the unit needs to correct it."""

    file: str
    unit_code: str | None
    period: str | None
    errors: list[dict]
    feedback_path: str | None


@dataclass
class IngestReport:
    entries: list[dict] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    def as_json(self) -> dict:
        """The JSON answer of contract §5 (``{"submissions": [...]}``)."""
        return {"submissions": self.entries}

    def counts(self) -> dict[str, int]:
        counts = {str(s): 0 for s in SubmissionStatus}
        for entry in self.entries:
            counts[entry["status"]] += 1
        return counts

    def periods_accepted(self) -> list[str]:
        return sorted({e["period"] for e in self.entries if e["status"] == SubmissionStatus.ACCEPTED})


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _naive(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def pending_files(engine: Engine, inbox: str) -> list[str]:
    """The inbox's files not yet received: new paths, and known paths whose bytes changed."""
    with engine.connect() as conn:
        received = {(r.uri, r.sha256) for r in conn.execute(sql("select_received_files"))}
    known_uris = {uri for uri, _ in received}
    pending = []
    for uri in sources.list_submission_files(inbox):
        if uri not in known_uris or (uri, sources.read(uri).sha256) not in received:
            pending.append(uri)
    return pending


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _waves(files: list[tuple[sources.FileBytes, list[ParsedSubmission]]]):
    """Split a chunk so that no wave holds two submissions of one unit and year.

    Cross-period rules compare a submission with what is loaded; loading wave by wave lets a
    unit's March be checked against its February received earlier in the same chunk.
    """
    wave: list = []
    keys: set[tuple[str | None, int | None]] = set()
    for item in files:
        item_keys = {(s.unit_code, s.year) for s in item[1]}
        if keys & item_keys:
            yield wave
            wave, keys = [], set()
        wave.append(item)
        keys |= item_keys
    if wave:
        yield wave


def record_file(conn: Connection, file: sources.FileBytes, outcome: str,
                duplicate_of: int | None = None) -> int:
    """Record a received file (in receiving order); returns its id."""
    return conn.execute(sql("insert_received_file"), {
        "uri": file.uri, "sha256": file.sha256, "size_bytes": len(file.data),
        "received_at": _now(), "outcome": outcome, "duplicate_of": duplicate_of,
    }).scalar_one()


class Loader:
    """Writes received files and their submissions into the warehouse on one connection."""

    def __init__(self, conn: Connection, catalog: Catalog, quarantine_root: str) -> None:
        self.conn = conn
        self.catalog = catalog
        self.quarantine_root = quarantine_root

    def record_file(self, file: sources.FileBytes, outcome: str, duplicate_of: int | None = None) -> int:
        return record_file(self.conn, file, outcome, duplicate_of)

    def original_of(self, sha256: str) -> int | None:
        return self.conn.execute(sql("select_original_file"), {"sha256": sha256}).scalar()

    def duplicate_entries(self, file: sources.FileBytes, original_id: int) -> list[dict]:
        self.record_file(file, str(SubmissionStatus.DUPLICATE), duplicate_of=original_id)
        rows = self.conn.execute(sql("select_file_submissions"), {"file_id": original_id}).all() or [None]
        return [{"file": file.uri, "status": str(SubmissionStatus.DUPLICATE),
                 "unit_code": r.unit_code if r else None, "period": r.period if r else None,
                 "errors": [], "warnings": []} for r in rows]

    def load_file(self, file: sources.FileBytes, subs: list[ParsedSubmission], report: IngestReport) -> None:
        statuses = {s.status for s in subs}
        outcome = statuses.pop() if len(statuses) == 1 else "partial"
        file_id = self.record_file(file, str(outcome))
        for sub in subs:
            self._load_submission(file_id, sub)
            report.entries.append(sub.verdict())
        rejected = [s for s in subs if s.status == SubmissionStatus.REJECTED]
        if rejected:
            kept = quarantine.store(self.quarantine_root, file_id, file.name, file.data, file.sha256,
                                    rejected)
            self.conn.execute(sql("insert_quarantine"), {
                "file_id": file_id, "stored_path": kept.stored_path, "report_path": kept.report_path,
                "feedback_path": kept.feedback_path, "created_at": _now(),
            })
            report.rejections.extend(
                Rejection(file.uri, s.unit_code, s.period, [p.as_dict() for p in s.errors],
                          kept.feedback_path)
                for s in rejected
            )

    def _load_submission(self, file_id: int, sub: ParsedSubmission) -> None:
        accepted = sub.status == SubmissionStatus.ACCEPTED
        received_at = _now()
        current = None
        version = None
        if sub.unit_code and sub.period:
            current = self.conn.execute(_period_submissions(), {
                "unit_code": sub.unit_code, "period": sub.period, "in_force": True,
            }).one()
            version = current.received + 1
        submission_id = self.conn.execute(sql("insert_submission"), {
            "file_id": file_id, "unit_code": sub.unit_code, "period": sub.period, "year": sub.year,
            "month": sub.month, "submitted_at": _naive(sub.submitted_at), "received_at": received_at,
            "status": str(sub.status), "version": version, "in_force": False,
            "errors": json.dumps([p.as_dict() for p in sub.errors], ensure_ascii=False),
            "warnings": json.dumps([p.as_dict() for p in sub.warnings], ensure_ascii=False),
        }).scalar_one()
        if not accepted:
            return
        if sub.rows:
            self.conn.execute(sql("insert_reported_value"), [
                {"submission_id": submission_id, "indicator_code": row.indicator_code, "value": row.value,
                 "numerator": row.numerator, "denominator": row.denominator, "note": row.note,
                 "cell": row.cells.get("value"), "line": row.line}
                for row in sub.rows
            ])
        if current is not None and supersedes(_naive(sub.submitted_at), current.submission_id,
                                              current.submitted_at):
            self.conn.execute(sql("update_in_force"), {
                "submission_id": submission_id, "unit_code": sub.unit_code, "period": sub.period,
            })


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
                 quarantine_root: str | None = None,
                 progress: Callable[[int], None] | None = None) -> IngestReport:
    """Receive ``uris`` in order: duplicates recorded, the rest validated, then loaded or quarantined."""
    report = IngestReport()
    quarantine_root = quarantine_root or config.quarantine_dir()
    with engine.connect() as conn:
        catalog = read_catalog(conn)
    for chunk in _chunks(list(uris), CHUNK_SIZE):
        files = [sources.read(uri) for uri in chunk]
        with engine.begin() as conn:
            loader = Loader(conn, catalog, quarantine_root)
            _ingest_chunk(loader, files, today, report)
        if progress:
            progress(len(chunk))
    return report


def _ingest_chunk(loader: Loader, files: list[sources.FileBytes], today: date | None,
                  report: IngestReport) -> None:
    seen: dict[str, int] = {}
    to_load: list[tuple[sources.FileBytes, list[ParsedSubmission]]] = []
    duplicates: dict[int, int | str] = {}
    for index, file in enumerate(files):
        original = loader.original_of(file.sha256)
        if original is not None:
            duplicates[index] = original
        elif file.sha256 in seen:
            duplicates[index] = file.sha256
        else:
            seen[file.sha256] = index
            to_load.append((file, parsing.parse_file(file.uri, file.data, loader.catalog, today)))
    validation.check_data([s for _, subs in to_load for s in subs], loader.catalog)
    parsed = {id(file): subs for file, subs in to_load}
    waves = list(_waves(to_load))
    wave_of = {id(file): n for n, wave in enumerate(waves) for file, _ in wave}
    checked: set[int] = set()
    for index, file in enumerate(files):
        if index in duplicates:
            original = duplicates[index]
            if isinstance(original, str):
                original = loader.original_of(original)
            report.entries.extend(loader.duplicate_entries(file, original))
            continue
        wave = wave_of[id(file)]
        if wave not in checked:
            wave_subs = [s for _, subs in waves[wave] for s in subs]
            validation.check_history(loader.conn, wave_subs, loader.catalog)
            checked.add(wave)
        loader.load_file(file, parsed[id(file)], report)


def ingest(engine: Engine, inbox: str, today: date | None = None,
           progress: Callable[[int], None] | None = None) -> IngestReport:
    """Ingest every file of ``inbox`` not yet received."""
    return ingest_files(engine, pending_files(engine, inbox), today=today, progress=progress)


def validate_file(uri: str, catalog: Catalog, conn: Connection | None = None,
                  today: date | None = None) -> list[ParsedSubmission]:
    """The verdict the pipeline would give ``uri``, without loading anything.

    With a warehouse connection the cross-period rules run too; without one they are skipped.
    """
    file = sources.read(uri)
    subs = parsing.parse_file(uri, file.data, catalog, today)
    validation.check_data(subs, catalog)
    if conn is not None:
        validation.check_history(conn, subs, catalog)
    return subs


def load_dropped_targets(engine: Engine, inbox: str) -> list[dict]:
    """Load the target files dropped in ``<inbox>/targets/`` that were not loaded yet, in path order.

    Each file is loaded whole or rejected whole (with a report naming each faulty row); either way it
    is recorded as received so that it is not taken again until its bytes change.
    """
    from scorecard import targets

    with engine.connect() as conn:
        received = {(r.uri, r.sha256) for r in conn.execute(sql("select_received_files"))}
    reports = []
    for uri in sources.list_target_files(inbox):
        file = sources.read(uri)
        if (uri, file.sha256) in received:
            continue
        with engine.begin() as conn:
            try:
                checked = targets.read_bytes(uri, file.data, read_catalog(conn))
            except targets.TargetFileError as exc:
                checked = targets.TargetFile(uri, errors=[{"row": None, "message": str(exc)}])
            if checked.ok:
                targets.load(conn, checked)
            record_file(conn, file, "targets" if checked.ok else "targets_rejected")
        reports.append(checked.report())
    return reports
