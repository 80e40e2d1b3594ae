"""Monthly snapshots (contract §4): immutable, versioned per period, computed set-based in SQL.

``take`` first digests every input the period's snapshot could use (the in-force submissions of the
year and the one before, the year's targets, the threshold and the catalog definitions the arithmetic
reads): when version n was computed from the same, it is returned at once. Otherwise it writes the rows,
inputs and missing units with ``include/sql/insert_snapshot_*.sql`` as version n+1 and fingerprints the
inputs it used; when that fingerprint equals version n's (say, a resubmission it does not read), the
transaction is rolled back and version n is returned unchanged. ``take`` answers with the
``SnapshotVersion`` only: the rows never leave the database unless asked for (``load``, ``latest``,
``take_and_load``), as a national snapshot has some 85,000 of them.

Decisions where §4 is silent: a figure of a month after M still gives its (unit, indicator) a row
("an accepted figure in year Y"); a row with neither actual nor target is ``no_data``; a zero target
leaves completion, expected rate (stock), gap and rank null and the status ``achieved``; a zero profile
share leaves the flow forecast null. Rows are ordered by indicator_code, then unit_code, CITY last.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy.engine import Connection, Engine, RowMapping

from scorecard import config
from scorecard.catalog import Indicator
from scorecard.memory import cyclic_gc_paused
from scorecard.periods import Period, PeriodError
from scorecard.vocabulary import CITY, Kind, Status, SubmissionStatus

if TYPE_CHECKING:
    from scorecard.warehouse import Statement

JSON_FIELDS = ("unit_code", "indicator_code", "actual", "target", "completion_rate", "expected_rate",
               "gap", "status", "stale", "rank", "forecast")
FIGURES = JSON_FIELDS[2:]
SQL_VOCABULARY = {
    "accepted": str(SubmissionStatus.ACCEPTED),
    "city": CITY,
    **{kind.name.lower(): str(kind) for kind in Kind},
    **{status.name.lower(): str(status) for status in Status},
}
"""The vocabulary as the snapshot statements bind it: ``:accepted``, ``:city``, the kinds (``:flow``,
``:stock``, ``:ratio``) and the statuses (``:achieved`` … ``:no_target``)."""


class SnapshotError(ValueError):
    """A snapshot that cannot be taken: malformed or future period, or no targets for its year."""


class Row(NamedTuple):
    """One (unit, indicator) row of a snapshot; ``baseline`` (stock only) and ``source_month`` are extra."""

    unit_code: str
    indicator_code: str
    actual: float | None
    target: float | None
    completion_rate: float | None
    expected_rate: float | None
    gap: float | None
    status: str
    stale: bool | None
    rank: int | None
    forecast: float | None
    baseline: float | None = None
    source_month: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in JSON_FIELDS}

    @property
    def key(self) -> tuple[str, str]:
        return self.unit_code, self.indicator_code


STALE = Row._fields.index("stale")


@dataclass(frozen=True)
class SnapshotVersion:
    """One stored snapshot version of a period; its rows stay in the warehouse until ``load`` reads them."""

    period: str
    version: int
    snapshot_id: int
    taken_at: datetime
    threshold: float

    @property
    def year(self) -> int:
        return Period.parse(self.period).year

    @property
    def month(self) -> int:
        return Period.parse(self.period).month




@dataclass(frozen=True)
class Snapshot(SnapshotVersion):
    """A snapshot version read back whole: its rows, missing units and the submissions it used."""

    missing_units: list[str]
    rows: list[Row]
    inputs: list[int]

    def as_json(self) -> dict[str, Any]:
        """The document of contract §5 ``scorecard snapshot --json``."""
        return {"period": self.period, "version": self.version, "missing_units": list(self.missing_units),
                "rows": [r.as_json() for r in self.rows]}

    def row(self, unit_code: str, indicator_code: str) -> Row | None:
        return next((r for r in self.rows if r.unit_code == unit_code and r.indicator_code == indicator_code),
                    None)


def snapshotted(conn: Connection, periods: Sequence[str]) -> dict[str, Any]:
    """The periods among ``periods`` that have a snapshot, each with a row of its latest ``version`` and
    when it was taken (``taken_at``)."""
    from scorecard.warehouse import sql_with_lists

    rows = conn.execute(sql_with_lists("select_snapshotted_periods", "periods"), {"periods": list(periods)})
    return {r.period: r for r in rows}


def checked_period(period: str, today: date | None = None) -> Period:
    """The period of a snapshot: written YYYY-MM, not later than today's month (else SnapshotError)."""
    try:
        return Period.parse(period, not_after=today or date.today())
    except PeriodError as exc:
        raise SnapshotError(str(exc)) from exc


def _sql(name: str) -> Statement:
    from scorecard.warehouse import sql

    return sql(name)


def _refresh_shares(conn: Connection, indicators: list[Indicator]) -> None:
    conn.execute(_sql("upsert_snapshot_indicator_share"), [
        {"indicator_code": i.code, "month": m, "share": i.share(m)} for i in indicators for m in range(1, 13)
    ])


def _row(values: Sequence[Any]) -> Row:
    """A stored row, its columns in the order of the ``Row`` fields (SQLite gives ``stale`` as 0/1)."""
    stale = values[STALE]
    if stale is None or isinstance(stale, bool):
        return Row._make(values)
    values = list(values)
    values[STALE] = bool(stale)
    return Row._make(values)


def _settings_digest(targets: list[tuple[Any, ...]], threshold: float, indicators: list[Indicator],
                     units: list[str]) -> str:
    """Digest of what a snapshot reads besides submissions: the year's targets, threshold and catalog.

    Targets, indicators and units come sorted from the warehouse; ``repr`` of strings and floats is exact.
    """
    document = (targets, threshold, [(i.code, str(i.kind), i.profile) for i in indicators], units)
    return hashlib.sha256(repr(document).encode()).hexdigest()


def _fingerprint(submission_ids: list[int], settings: str) -> str:
    text = settings + ":" + ",".join(map(str, sorted(submission_ids)))
    return hashlib.sha256(text.encode()).hexdigest()


class _Unchanged(Exception):
    """Raised inside the take transaction to roll back a version whose inputs equal the latest one's."""

    def __init__(self, latest: SnapshotVersion) -> None:
        super().__init__(latest.version)
        self.latest = latest


def _version(head: RowMapping) -> SnapshotVersion:
    """The ``SnapshotVersion`` of a ``snapshots`` row."""
    taken_at = head["taken_at"]  # SQLite hands a text query's timestamp back as a string
    taken_at = datetime.fromisoformat(taken_at) if isinstance(taken_at, str) else taken_at
    return SnapshotVersion(head["period"], head["version"], head["snapshot_id"], taken_at, head["threshold"])


def _store(conn: Connection, period: str, version: int, threshold: float,
           input_digest: str) -> tuple[SnapshotVersion, list[int]]:
    """Insert a version with its rows, inputs and missing units, computed set-based in SQL: the version
    and the submissions it used."""
    taken_at = datetime.now(UTC).replace(tzinfo=None)
    snapshot_id = conn.execute(_sql("insert_snapshot"), {
        "period": period, "version": version, "taken_at": taken_at, "threshold": threshold,
        "fingerprint": "", "input_digest": input_digest,
    }).scalar_one()
    head = SnapshotVersion(period, version, snapshot_id, taken_at, threshold)
    params = {"snapshot_id": snapshot_id, "year": head.year, "month": head.month, **SQL_VOCABULARY}
    conn.execute(_sql("insert_snapshot_rows"), {**params, "threshold": threshold})
    conn.execute(_sql("insert_snapshot_inputs"), params)
    conn.execute(_sql("insert_snapshot_missing_units"), params)
    return head, list(conn.execute(_sql("select_snapshot_inputs"), params).scalars().all())


def _take_once(conn: Connection, period: str, year: int, threshold: float) -> SnapshotVersion:
    """Store and return version n+1 of ``period``; raise _Unchanged when its inputs equal version n's."""
    from scorecard.warehouse import read_indicators, read_unit_codes

    targets = [tuple(r) for r in conn.execute(_sql("select_snapshot_targets"), {"year": year}).all()]
    if not targets:
        raise SnapshotError(f"no targets loaded for {year}: load the year's target file first")
    indicators = read_indicators(conn)
    candidates = list(conn.execute(_sql("select_snapshot_candidate_inputs"),
                                   {"year": year, **SQL_VOCABULARY}).scalars().all())
    settings = _settings_digest(targets, threshold, indicators, read_unit_codes(conn))
    digest = _fingerprint(candidates, settings)
    last = conn.execute(_sql("select_latest_snapshot"), {"period": period}).mappings().first()
    if last is not None and last["input_digest"] == digest:
        raise _Unchanged(_version(last))
    _refresh_shares(conn, indicators)
    if conn.dialect.name == "postgresql":
        # The planner's cost estimate of the indexed gap look-ups triggers JIT compilation, which takes
        # longer than the whole statement; ``set local`` keeps this to the snapshot's transaction.
        conn.exec_driver_sql("set local jit = off")
    head, inputs = _store(conn, period, (last["version"] if last else 0) + 1, threshold, digest)
    fingerprint = _fingerprint(inputs, settings)
    if last is not None and last["fingerprint"] == fingerprint:
        raise _Unchanged(_version(last))
    conn.execute(_sql("update_snapshot_fingerprint"),
                 {"snapshot_id": head.snapshot_id, "fingerprint": fingerprint})
    return head


def take(engine: Engine, period: str, threshold: float | None = None,
         today: date | None = None) -> SnapshotVersion:
    """The snapshot of ``period``: the latest version if its inputs are unchanged, else version n+1.

    The new version is written and fingerprinted in one transaction, which is rolled back when the
    fingerprint equals the latest version's; a concurrent take of the same version loses on the unique
    (period, version) (on SQLite, on the write lock) and retries, finding the winner's version.
    """
    from sqlalchemy.exc import IntegrityError, OperationalError

    month_of = checked_period(period, today)
    year, period = month_of.year, str(month_of)
    threshold = config.status_threshold() if threshold is None else float(threshold)
    for attempt in range(3):
        try:
            with cyclic_gc_paused(), engine.begin() as conn:
                return _take_once(conn, period, year, threshold)
        except _Unchanged as unchanged:
            return unchanged.latest
        except (IntegrityError, OperationalError):  # lost the race for the version (or SQLite's lock)
            if attempt == 2:
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")


def record_run(engine: Engine, run_id: str, taken: SnapshotVersion) -> None:
    """Remember that the Airflow run ``run_id`` took (or found unchanged) this version."""
    with engine.begin() as conn:
        conn.execute(_sql("upsert_run_snapshot"), {"run_id": run_id, "snapshot_id": taken.snapshot_id})


def take_and_load(engine: Engine, period: str, threshold: float | None = None,
                  today: date | None = None) -> Snapshot:
    """``take``, then the version it answered read back whole."""
    taken = take(engine, period, threshold, today)
    with engine.connect() as conn:
        return _loaded(conn, taken)


def stored_rows(conn: Connection, snapshot_id: int, unit_code: str | None = None) -> Sequence[Sequence[Any]]:
    """A snapshot's rows (of one unit if ``unit_code`` is given) as the driver gives them, their columns in
    the order of the ``Row`` fields (SQLite gives ``stale`` as 0/1): by indicator, then unit, CITY last."""
    return conn.execute(_sql("select_snapshot_rows"),
                        {"snapshot_id": snapshot_id, "unit_code": unit_code, "city": CITY}).all()


def _loaded(conn: Connection, head: SnapshotVersion) -> Snapshot:
    key = {"snapshot_id": head.snapshot_id}
    with cyclic_gc_paused():
        rows = [_row(r) for r in stored_rows(conn, head.snapshot_id)]
    missing = list(conn.execute(_sql("select_snapshot_missing_units"), key).scalars().all())
    inputs = list(conn.execute(_sql("select_snapshot_inputs"), key).scalars().all())
    return Snapshot(head.period, head.version, head.snapshot_id, head.taken_at, head.threshold, missing, rows,
                    inputs)


def latest(conn: Connection, period: str) -> Snapshot | None:
    """The latest stored version of ``period``, or None when it was never taken."""
    head = conn.execute(_sql("select_latest_snapshot"), {"period": period}).mappings().first()
    return _loaded(conn, _version(head)) if head else None


def load(conn: Connection, period: str, version: int) -> Snapshot | None:
    """Version ``version`` of ``period``, or None."""
    head = conn.execute(_sql("select_snapshot"), {"period": period, "version": version}).mappings().first()
    return _loaded(conn, _version(head)) if head else None


def diff(conn: Connection, period: str, from_version: int | None = None,
         to_version: int | None = None) -> dict[str, Any]:
    """What changed between two versions of ``period`` (by default its last two): rows added, removed or
    refigured from ``from_version`` (default: the version before ``to_version``) to ``to_version``
    (default: the latest).

    With a single version there is nothing to compare: ``from_version`` is None and ``changes`` empty.
    """
    heads = {h["version"]: h for h in conn.execute(_sql("select_snapshot_versions"), {"period": period})
             .mappings()}
    if not heads:
        raise SnapshotError(f"no snapshot of {period} has been taken")
    to_version = max(heads) if to_version is None else to_version
    if from_version is None:
        from_version = max((v for v in heads if v < to_version), default=None)
    for wanted in (from_version, to_version):
        if wanted is not None and wanted not in heads:
            raise SnapshotError(f"{period} has no snapshot version {wanted}")
    after = _loaded(conn, _version(heads[to_version]))
    before = _loaded(conn, _version(heads[from_version])) if from_version is not None else None
    new = {(r.unit_code, r.indicator_code): r for r in after.rows}
    old = {(r.unit_code, r.indicator_code): r for r in before.rows} if before else new
    changes = []
    for key in sorted(old.keys() | new.keys()):
        a = {f: getattr(old[key], f) for f in FIGURES} if key in old else None
        b = {f: getattr(new[key], f) for f in FIGURES} if key in new else None
        if a != b:
            changes.append({"unit_code": key[0], "indicator_code": key[1], "before": a, "after": b})
    return {
        "period": period,
        "from_version": before.version if before else None,
        "to_version": after.version,
        "missing_units": {"before": before.missing_units if before else None, "after": after.missing_units},
        "changes": changes,
    }


def history(conn: Connection, unit_code: str, indicator_code: str, year: int) -> list[dict[str, Any]]:
    """Month by month of ``year``: the row of (unit, indicator) in each month's latest snapshot version."""
    result = conn.execute(_sql("select_snapshot_history"), {
        "period_pattern": f"{year:04d}-%", "unit_code": unit_code, "indicator_code": indicator_code,
    }).mappings()
    return [{"month": int(r["period"][5:7]), **dict(r)} for r in result]
