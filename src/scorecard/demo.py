"""``scorecard demo``: the whole pipeline on the sample city's year as real Airflow DAG runs, on this machine.

It writes the sample year (with its bad files and a correction) and the 2026 targets into the data
folder's inbox, migrates a project-local Airflow (:mod:`scorecard.airflow_env`), then runs the DAGs with
``dag.test()`` in one Airflow subprocess: ``scorecard_ingest``; the snapshots of the year's earlier
months (the bulletin's month-by-month chart), taken through the package; ``scorecard_monthly_snapshot``,
``scorecard_alerts`` and ``scorecard_reminders`` for the last month. Mail goes to a catcher on loopback
(:mod:`scorecard.mail_catcher`) that keeps each message as an ``.eml`` file in ``<data>/outbox/``. Running
it again changes nothing: the files are received already, the snapshots keep their versions and the alert
log sends nothing twice. ``scorecard airflow`` (:func:`serve`) shows the runs in the Airflow UI
(:mod:`scorecard.airflow_standalone`).

``python -m scorecard.demo RESULT_FILE STEPS_JSON`` is the Airflow side: it runs the steps of
``STEPS_JSON`` one after the other, stopping at the first that fails, and writes what happened to
``RESULT_FILE``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import traceback
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scorecard import airflow_env, airflow_standalone, config
from scorecard.mail_catcher import MailCatcher

if TYPE_CHECKING:
    from scorecard.snapshots import Row

YEAR = 2026
LAST_MONTH = 10
PERIOD = f"{YEAR}-{LAST_MONTH:02d}"
TARGETS_FILE = f"targets_{YEAR}.csv"


class DemoError(RuntimeError):
    """A step of the demo that failed; the message says which and where to look."""


# --- mail --------------------------------------------------------------------------------------------

def outbox_dir() -> Path:
    return config.data_dir() / "outbox"


def emails() -> list[Path]:
    """The messages the catcher has kept, oldest first."""
    return sorted(outbox_dir().glob("*.eml"))


# --- the Airflow side --------------------------------------------------------------------------------

def steps() -> list[dict[str, Any]]:
    """The demo's steps, in order: DAG runs ``{"dag_id", "conf"}`` and, for the months before the last,
    snapshots taken through the package ``{"snapshot": period}`` (the history a bureau would have; a DAG
    run each would only add a bulletin nobody reads)."""
    history = [{"snapshot": f"{YEAR}-{month:02d}"} for month in range(1, LAST_MONTH)]
    return [{"dag_id": "scorecard_ingest", "conf": {}}, *history,
            {"dag_id": "scorecard_monthly_snapshot", "conf": {"period": PERIOD}},
            {"dag_id": "scorecard_alerts", "conf": {"period": PERIOD}},
            {"dag_id": "scorecard_reminders", "conf": {"period": PERIOD}}]


def run_in_airflow(plan: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run the steps of ``plan``, stopping after the first that fails.

    A DAG run goes through ``dag.test()`` (its tasks without retries) and gives
    ``{"dag_id", "conf", "run_id", "state", "failed_tasks"}``; a snapshot step gives ``{"snapshot",
    "version", "state"}`` (or ``"error"``); a DAG file that does not import, ``{"file", "state", "error"}``.
    Needs the configuration of :func:`airflow_env.environment` in the environment.
    """
    import os

    from airflow.configuration import conf
    from airflow.dag_processing.dagbag import DagBag

    from scorecard import task_logs

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        return [{"file": path, "state": "import_error", "error": str(error).strip().splitlines()[-1]}
                for path, error in bag.import_errors.items()]
    with task_logs.written(Path(conf.get("logging", "base_log_folder"))):
        return _run_steps(bag, plan)


def _run_steps(bag: Any, plan: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    from airflow.utils.session import create_session

    from scorecard import tasks

    done: list[dict[str, Any]] = []
    for step in plan:
        if "snapshot" in step:
            try:
                version = tasks.take_snapshot(step["snapshot"])["version"]
            except Exception as exc:  # the user gets the message, the log the traceback
                traceback.print_exc()
                done.append({**step, "state": "failed", "error": f"{exc.__class__.__name__}: {exc}"})
                break
            done.append({**step, "version": version, "state": "success"})
            continue
        dag = bag.get_dag(step["dag_id"])
        for task in dag.tasks:
            task.retries = 0
        dag_run = dag.test(run_conf=step["conf"])
        with create_session() as session:
            failed = sorted({ti.task_id for ti in dag_run.get_task_instances(session=session)
                             if str(ti.state) == "failed"})
        done.append({**step, "run_id": dag_run.run_id, "state": str(dag_run.state), "failed_tasks": failed})
        if str(dag_run.state) != "success":
            break
    return done


def main(argv: Sequence[str]) -> int:
    """``python -m scorecard.demo RESULT_FILE STEPS_JSON``: 0 when every step succeeded."""
    result_file, plan = Path(argv[0]), json.loads(argv[1])
    done = run_in_airflow(plan)
    result_file.write_text(json.dumps(done, indent=2))
    return 0 if len(done) == len(plan) and all(r["state"] == "success" for r in done) else 1


# --- the demo ----------------------------------------------------------------------------------------

def prepare_inbox(inbox: Path) -> list[Path]:
    """The sample year (bad files and correction included) and the year's targets, dropped in ``inbox``."""
    from scorecard import catalog, samples

    written = samples.generate_year(inbox, catalog.load_files(), year=YEAR, through_month=LAST_MONTH)
    (inbox / "targets").mkdir(parents=True, exist_ok=True)
    targets = Path(shutil.copyfile(config.DEFAULTS_DIR / TARGETS_FILE, inbox / "targets" / TARGETS_FILE))
    return [*written, targets]


def _run_logged(command: list[str], env: dict[str, str], log: Path) -> int:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(command)}\n".encode())
        out.flush()
        return subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, check=False).returncode


def migrate_airflow(env: dict[str, str], log: Path) -> None:
    """``airflow db migrate`` of the project's Airflow; ``DemoError`` when it fails."""
    if _run_logged(airflow_env.airflow_command("db", "migrate"), env, log) != 0:
        raise DemoError(f"airflow db migrate failed; see {log}")


def run_steps(plan: Sequence[dict[str, Any]], env: dict[str, str], log: Path) -> list[dict[str, Any]]:
    """Run the steps in an Airflow subprocess; ``DemoError`` naming a failed DAG and its failed tasks."""
    result_file = log.with_name("demo-runs.json")
    result_file.unlink(missing_ok=True)
    command = [sys.executable, "-m", "scorecard.demo", str(result_file), json.dumps(list(plan))]
    code = _run_logged(command, env, log)
    if not result_file.exists():
        raise DemoError(f"the Airflow process stopped (exit status {code}); see {log}")
    done: list[dict[str, Any]] = json.loads(result_file.read_text())
    for step in done:
        if step["state"] == "success":
            continue
        if "snapshot" in step:
            raise DemoError(f"the snapshot of {step['snapshot']} failed: {step['error']}; see {log}")
        if "file" in step:
            raise DemoError(f"the DAG file {step['file']} does not import: {step['error']}; see {log}")
        failed = step["failed_tasks"]
        what = (f"failed task{'s' if len(failed) > 1 else ''}: {', '.join(failed)}" if failed
                else "no task failed")
        conf = f" {json.dumps(step['conf'])}" if step["conf"] else ""
        raise DemoError(f"DAG {step['dag_id']}{conf} ended {step['state']} ({what}); "
                        f"see the task logs in {log}")
    if len(done) < len(plan):
        raise DemoError(f"the Airflow process stopped (exit status {code}) after {len(done)} of "
                        f"{len(plan)} steps; see {log}")
    return done


@dataclass
class Outcome:
    """What a demo run left behind, for the summary printed at the end."""

    submissions: dict[str, int]
    city_rows: list[Row]
    version: int
    missing_units: list[str]
    bulletins: list[Path]
    feedback: list[Path]
    emails: list[Path]
    new_emails: list[Path] = field(default_factory=list)


def outcome(period: str, before: set[Path]) -> Outcome:
    """Read the results from the warehouse and the data folder."""
    import sqlalchemy as sa

    from scorecard import bulletin, snapshots, warehouse

    engine = warehouse.engine(config.default_db_url())
    with engine.connect() as conn:
        counts: dict[str, int] = dict(conn.execute(sa.text(
            "select status, count(*) from submissions group by status")).tuples().all())
        snap = snapshots.latest(conn, period)
    engine.dispose()
    if snap is None:
        raise DemoError(f"no snapshot of {period} in the warehouse")
    # The folders airflow_env.environment gives the DAGs, whatever SCORECARD_OUTPUT/QUARANTINE say here.
    data = config.data_dir()
    bulletins = sorted((data / "bulletins").glob(f"bulletin_{period}_v{snap.version}.*"))
    kept = emails()
    return Outcome(submissions=counts,
                   city_rows=bulletin.city_rows(snap), version=snap.version,
                   missing_units=snap.missing_units, bulletins=bulletins,
                   feedback=sorted((data / "quarantine").rglob("*_feedback.xlsx")),
                   emails=kept, new_emails=[p for p in kept if p not in before])


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill


def table(rows: Sequence[Sequence[str]], right: Sequence[bool]) -> str:
    """Rows of text as aligned columns (Chinese characters count two columns)."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(cell, w, r) for cell, w, r in zip(row, widths, right, strict=True)).rstrip()
             for row in rows]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def city_table(rows: Sequence[Row]) -> str:
    """The city's indicators, worst first as in the bulletin: actual, target, completion, 序时进度, gap
    (points) and status."""
    from scorecard import catalog, mail

    indicators = catalog.load_files().indicators
    header = ["indicator 指标", "unit", "actual", "target", "completion", "序时进度", "gap", "status"]
    body = [[indicators[r.indicator_code].name_zh if r.indicator_code in indicators else r.indicator_code,
             indicators[r.indicator_code].measure_unit if r.indicator_code in indicators else "",
             mail.format_num(r.actual), mail.format_num(r.target), mail.format_pct(r.completion_rate),
             mail.format_pct(r.expected_rate), mail.format_points(r.gap), r.status] for r in rows]
    return table([header, *body], [False, False, True, True, True, True, True, False])


def summary(result: Outcome, period: str, airflow_home: Path) -> str:
    """The text printed at the end of the demo."""
    counts = ", ".join(f"{n} {status}" for status, n in sorted(result.submissions.items()))
    new = f"{len(result.new_emails)} new this run" if result.new_emails else "no new email this run"
    quarantine = config.data_dir() / "quarantine"
    return "\n".join([
        f"sti-scorecard demo: the sample city, {YEAR}-01 to {period}",
        "",
        f"submissions in the warehouse ({config.default_db_url()}): {counts}",
        f"bulletin {period} v{result.version}:",
        *(f"  {path}" for path in result.bulletins),
        f"feedback workbooks of rejected files: {len(result.feedback)} under {quarantine}",
        f"emails: {len(result.emails)} in {outbox_dir()} ({new})",
        f"Airflow home (metadata, logs): {airflow_home}",
        "",
        f"The city in {period} (snapshot v{result.version}; not reported yet: "
        f"{', '.join(result.missing_units) or 'none'}; gap in percentage points of 序时进度):",
        city_table(result.city_rows),
        "",
        "Open the bulletin's .html file in a browser; `make airflow` shows these runs in the Airflow UI.",
    ])


def run(progress: Any = print) -> str:
    """Run the demo; returns the report to print. ``progress`` receives one line per step."""
    home = airflow_env.airflow_home()
    home.mkdir(parents=True, exist_ok=True)
    log = home / "demo.log"
    log.write_text("")
    data = config.data_dir()
    progress(f"writing the sample year into {data / 'inbox'}")
    prepare_inbox(data / "inbox")
    before = set(emails())
    with MailCatcher(folder=outbox_dir()) as catcher:
        env = airflow_env.environment(home, AIRFLOW_CONN_SMTP_DEFAULT=catcher.connection)
        progress(f"migrating Airflow's metadata database in {home}")
        migrate_airflow(env, log)
        progress(f"running scorecard_ingest, the snapshots of {YEAR}-01 to {PERIOD}, scorecard_alerts and "
                 f"scorecard_reminders in Airflow (log: {log})")
        run_steps(steps(), env, log)
    return summary(outcome(PERIOD, before), PERIOD, home)


# --- the Airflow UI ----------------------------------------------------------------------------------

def serve(progress: Any = print, announce: Any = print) -> int:
    """``scorecard airflow``: Airflow standalone with the demo's warehouse, its mail going to the demo's
    outbox, until Ctrl-C (:func:`airflow_standalone.serve`); ``DemoError`` when it cannot start or fails."""
    try:
        return airflow_standalone.serve(outbox_dir(), progress, announce)
    except airflow_standalone.StandaloneError as exc:
        raise DemoError(str(exc)) from exc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
