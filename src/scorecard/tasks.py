"""What the DAG tasks call: plain arguments in, small JSON-able dicts out (they travel as XCom).

Each function opens the warehouse named by configuration (``SCORECARD_DB_URL``, created on first
use) and calls the domain modules. DAG files import this module when the scheduler parses them,
so everything heavy (pandas, Great Expectations, SQLAlchemy engines, openpyxl, matplotlib) is imported
inside the functions, never here.

Periods are derived from the run, never from "now": a scheduled run is about the month before its
logical date in the bureau's time zone; an asset-triggered run is about the periods its events name.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowException, AirflowSkipException

from scorecard import config
from scorecard.dag_conventions import BATCH_SIZE
from scorecard.model import Rejection
from scorecard.periods import Period, local_date
from scorecard.vocabulary import SubmissionStatus

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from scorecard.ingest import IngestOutcome
    from scorecard.mail import AirflowSmtpMailer

log = logging.getLogger(__name__)

def warehouse_engine() -> Engine:
    """The configured warehouse, created on first use."""
    from scorecard import warehouse

    return warehouse.open_engine(config.db_url())


def _mailer() -> AirflowSmtpMailer:
    from scorecard import mail

    return mail.AirflowSmtpMailer()


def _month_before(moment: datetime) -> str:
    """The month before the one ``moment`` falls in, in the bureau's time zone."""
    return str(Period.of(moment).previous())


def _checked(period: str) -> str:
    """A ``period`` param, checked: YYYY-MM, not later than this month."""
    return str(Period.parse(period, not_after=date.today()))


# --- ingest --------------------------------------------------------------------------------------------

def inbox_location(inbox: str | None = None) -> str:
    """The inbox: the given one, else ``SCORECARD_INBOX``, else ``<data dir>/inbox``."""
    return inbox or os.environ.get("SCORECARD_INBOX") or str(config.data_dir() / "inbox")


def pending_batches(inbox: str | None, batch_size: int = BATCH_SIZE) -> list[list[str]]:
    """The inbox's files not yet received, in receiving order, cut into batches of ``batch_size``; the
    prepared batches of runs that ended long ago are deleted first."""
    from scorecard import preparing, receiving

    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    location = inbox_location(inbox)
    engine = warehouse_engine()
    preparing.forget_old(engine)
    files = receiving.pending_files(engine, location)
    log.info("%s: %d files not yet received", location, len(files))
    return [list(batch) for batch in preparing.batches(files, batch_size)]


def prepare_batch(uris: Sequence[str], run_id: str, batch: int) -> dict[str, Any]:
    """Read, parse and check the ``batch``-th batch of the run ``run_id`` and keep it in the warehouse for
    ``load_batches``: ``{"batch", "files"}``. Batches are prepared side by side, on any worker."""
    from scorecard import ingest, preparing

    engine = warehouse_engine()
    plan = preparing.prepare(uris, ingest.current_catalog(engine))
    preparing.store(engine, run_id, batch, plan)
    log.info("batch %d: %d files prepared", batch, len(plan))
    return {"batch": batch, "files": len(plan)}


def load_batches(batches: Sequence[Sequence[str]], prepared: Iterable[Mapping[str, Any]],
                 run_id: str) -> list[dict[str, Any]]:
    """Load the run's ``prepared`` batches (what ``prepare_batch`` answered) one after the other, in
    receiving order: for each, ``{"submissions": [...contract §5 entries], "rejections": [...]}``, and one
    log line per submission.

    Loading stops at a batch whose preparation failed: its files and those after it are left for the next
    run, which takes them in order (``summarise_ingest`` fails this one). A batch loaded by an earlier
    attempt of this task answers what it gave then: its result was recorded in the transaction that
    loaded it.
    """
    from scorecard import ingest, preparing, quarantine

    engine = warehouse_engine()
    catalog = ingest.current_catalog(engine)
    quarantine_root = config.quarantine_dir()
    quarantine.sweep(engine, quarantine_root)
    ready = {p["batch"] for p in prepared}
    results = []
    for batch, uris in enumerate(batches):
        kept = preparing.stored(engine, run_id, batch) if batch in ready else None
        if kept is None:
            log.error("batch %d was not prepared: its %d files and those of the %d batches after it are "
                      "left for the next run", batch, len(uris), len(batches) - batch - 1)
            break
        if kept.result is not None:
            log.info("batch %d was loaded by an earlier attempt", batch)
            results.append(kept.result)
        else:
            def finish(conn: Connection, loaded: IngestOutcome, batch: int = batch) -> None:
                preparing.mark_loaded(conn, run_id, batch, _batch_result(loaded))

            outcome = ingest.load(engine, kept.plan or [], catalog, quarantine_root, run_id, finish)
            _log_verdicts(batch, outcome)
            results.append(_batch_result(outcome))
    return results


def _batch_result(outcome: IngestOutcome) -> dict[str, Any]:
    """What a loaded batch gives the later tasks. Each rejection carries ``sha256``, the content it is
    about: a corrected file dropped at the same path and rejected again is another notice."""
    return {**outcome.as_json(), "rejections": [r.as_json() for r in outcome.rejections]}


def _log_verdicts(batch: int, outcome: IngestOutcome) -> None:
    feedback = {r.file: r.feedback_path for r in outcome.rejections}
    for entry in outcome.entries:
        rules = ",".join(sorted({e["rule"] for e in entry["errors"]}))
        log.info("%s %s %s: %s%s%s", entry["unit_code"] or "?", entry["period"] or "?", entry["status"],
                 PurePosixPath(entry["file"]).name, f" [{rules}]" if rules else "",
                 f" feedback {feedback[entry['file']]}" if feedback.get(entry["file"]) else "")
    log.info("batch %d: %s", batch, outcome.counts())


def _submissions(results: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [s for result in results for s in result["submissions"]]


def accepted_periods(results: Iterable[Mapping[str, Any]]) -> list[str]:
    """The periods of the submissions accepted by these batches."""
    return sorted({s["period"] for s in _submissions(results) if s["status"] == SubmissionStatus.ACCEPTED})


def summarise_ingest(batches: Sequence[Sequence[str]],
                     results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts of submissions per status; fails when a batch did not finish, after counting the others."""
    counts = {str(status): 0 for status in SubmissionStatus}
    for submission in _submissions(results):
        counts[submission["status"]] += 1
    summary = {**counts, "files": sum(len(b) for b in batches), "batches": len(batches),
               "periods": accepted_periods(results)}
    log.info("ingest summary: %s", summary)
    if len(results) < len(batches):
        raise AirflowException(f"{len(batches) - len(results)} of {len(batches)} ingest batches were not "
                               "loaded; their files are taken again by the next run")
    return summary


def announce_submissions(results: Sequence[Mapping[str, Any]], event: Any) -> list[str]:
    """Describe the submissions asset event (``extra.periods``); skip, so no event, when none was accepted."""
    periods = accepted_periods(results)
    if not periods:
        raise AirflowSkipException("no submission accepted: no asset event")
    event.extra = {"periods": periods}
    return periods


def notify_rejections(results: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Send the rejected submissions' errors to their units: one message per unit for the run, each file
    once per file content; counts the rejections by outcome."""
    from scorecard import alerts

    rejections = [Rejection.from_json(r) for result in results for r in result["rejections"]]
    outcomes = {"sent": 0, "already_sent": 0, "failed": 0}
    for outcome in alerts.notify_rejections(warehouse_engine(), _mailer(), rejections):
        outcomes[outcome] += 1
    log.info("rejection notices: %s", outcomes)
    return outcomes


def resend_rejection_notices() -> dict[str, int]:
    """Resend the rejection notices whose delivery failed or never finished."""
    from scorecard import alerts

    resent = alerts.retry_rejections(warehouse_engine(), _mailer())
    log.info("rejection notices resent: %d", resent)
    return {"resent": resent}


def load_targets(inbox: str | None, run_id: str | None = None) -> list[dict[str, Any]]:
    """Load the target files dropped in ``<inbox>/targets/`` (each whole or rejected whole)."""
    from scorecard import targets

    verdicts = targets.load_dropped(warehouse_engine(), inbox_location(inbox), run_id)
    for verdict in verdicts:
        log.info("target file %s: %s, %s targets", verdict["file"], verdict["status"], verdict["targets"])
    return verdicts


# --- snapshots -----------------------------------------------------------------------------------------

def affected_periods(changed: Iterable[str], until: str) -> list[str]:
    """The periods already snapshotted whose inputs a change in ``changed`` may touch.

    A period's snapshot reads the year's in-force submissions up to its month, and a stock's baseline
    reads the year before; periods never snapshotted are left to their monthly run.
    """
    from scorecard import snapshots

    last = Period.parse(until)
    candidates: set[str] = set()
    for first in map(Period.parse, changed):  # up to the end of the following year, whose baseline it is
        candidates.update(str(p) for p in first.through(min(last, Period(first.year + 1, 12))))
    with warehouse_engine().connect() as conn:
        return sorted(snapshots.snapshotted(conn, sorted(candidates)))


def snapshot_periods(period: str | None, moment: datetime, events: Sequence[Any]) -> list[str]:
    """The periods a snapshot run is about.

    The ``period`` param when given; else, for a run triggered by submissions, the already snapshotted
    periods their events' ``extra.periods`` affect; else (a scheduled or plain manual run) the month
    before the run's logical date.
    """
    if period:
        return [_checked(period)]
    changed = {p for event in events for p in event.extra.get("periods", [])}
    if changed:
        periods = affected_periods(changed, str(Period.of(moment)))
        log.info("submissions accepted for %s: re-taking %s", sorted(changed), periods or "nothing")
        return periods
    return [_month_before(moment)]


def take_snapshot(period: str, run_id: str | None = None) -> dict[str, Any]:
    """Take (or find unchanged) the snapshot of ``period`` for the run ``run_id``:
    ``{"period", "version", "snapshot_id"}``."""
    from scorecard import snapshots

    engine = warehouse_engine()
    snap = snapshots.take(engine, period)
    if run_id:
        snapshots.record_run(engine, run_id, snap)
    log.info("snapshot %s: version %d (id %d)", snap.period, snap.version, snap.snapshot_id)
    return {"period": snap.period, "version": snap.version, "snapshot_id": snap.snapshot_id}


def write_bulletin(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Write the bulletin of a snapshot version into the output folder: the snapshot plus ``files``."""
    from scorecard import reports

    files = reports.write_bulletin(warehouse_engine(), snapshot["period"], version=snapshot["version"],
                                   out_dir=config.output_dir())
    for path in files:
        log.info("bulletin %s v%d: %s", snapshot["period"], snapshot["version"], path)
    return {**snapshot, "files": [str(f) for f in files]}


def announce_snapshots(bulletins: Sequence[Mapping[str, Any]], event: Any) -> list[dict[str, Any]]:
    """Describe the snapshots asset event: ``extra.snapshots`` lists each period, version and files.

    A run with no period to take never gets here: Airflow skips the tasks mapped over nothing and
    what follows them.
    """
    snapshots = [dict(b) for b in bulletins]
    event.extra = {"snapshots": snapshots}
    return snapshots


# --- alerts --------------------------------------------------------------------------------------------

def alert_requests(period: str | None, events: Sequence[Any]) -> list[dict[str, str | None]]:
    """What to alert on: the ``period`` param, else the snapshots the triggering events name.

    Each request is ``{"period", "bulletin"}``; the bulletin (attached to the team's digest) is the
    event's first ``.xlsx`` file, else (None) the workbook the warehouse's ``bulletins`` holds for the
    period's latest version (``alerts.run`` looks it up).
    """
    if period:
        return [{"period": _checked(period), "bulletin": None}]
    requests: dict[str, str | None] = {}
    for event in events:
        for snap in event.extra.get("snapshots", []):
            workbooks = [f for f in snap.get("files", []) if f.lower().endswith(".xlsx")]
            requests[snap["period"]] = workbooks[0] if workbooks else None
    return [{"period": p, "bulletin": b} for p, b in sorted(requests.items())]


def send_alerts(period: str, bulletin: str | None = None) -> dict[str, Any]:
    """Alert on the behind/lagging rows of the period's latest snapshot (contract §5 answer).

    Only the latest snapshotted period is mailed: an earlier one (a catch-up, a re-take after a late
    file) mails nobody, and the latest period's digest lists it as history for the team.
    """
    from scorecard import alerts

    answer = alerts.run(warehouse_engine(), period, _mailer(), bulletin_path=bulletin, by_hand=False)
    log.info("alerts %s v%s: %d alerting rows", period, answer["version"], len(answer["alerts"]))
    return answer


def remind_missing(period: str | None, moment: datetime) -> dict[str, Any]:
    """Remind the units that have not reported (default: the month before the run's date), from the
    reporting deadline on; each unit once per period."""
    from scorecard import alerts

    answer = alerts.remind_missing(warehouse_engine(), _checked(period) if period else None,
                                   _mailer(), today=local_date(moment))
    log.info("reminders %s (deadline %s): missing %s, reminded %s", answer["period"], answer["deadline"],
             answer["missing_units"], answer["reminded"])
    return answer
