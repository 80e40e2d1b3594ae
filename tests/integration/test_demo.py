"""``scorecard demo`` end to end: the real command, real Airflow DAG runs, mail caught on loopback; and
``scorecard airflow``, the UI on the same project-local Airflow home.

The demo runs into a temporary data folder and Airflow home (``SCORECARD_DATA_DIR``,
``SCORECARD_AIRFLOW_HOME``), once for the module; a second run must change and send nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import psutil
import pytest
import sqlalchemy as sa

from scorecard.mail_catcher import free_port

pytestmark = [pytest.mark.integration, pytest.mark.airflow]

SCORECARD = Path(sys.executable).with_name("scorecard")
TIMEOUT = 600


@dataclass(frozen=True)
class DemoRun:
    data: Path
    airflow_home: Path
    process: subprocess.CompletedProcess[str]


def run_demo(root: Path, **extra_env: str) -> DemoRun:
    """``scorecard demo`` with its data folder and Airflow home under ``root``."""
    data, home = root / "data", root / "airflow"
    env = {**os.environ, "SCORECARD_DATA_DIR": str(data), "SCORECARD_AIRFLOW_HOME": str(home), **extra_env}
    process = subprocess.run([str(SCORECARD), "demo"], env=env, capture_output=True, text=True,
                             timeout=TIMEOUT, check=False)
    return DemoRun(data, home, process)


def recipients(outbox: Path) -> dict[str, list[tuple[str, str]]]:
    """Each saved message's subject and plain text, by ``To`` address."""
    found: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(outbox.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        plain = message.get_body(preferencelist=("plain",))
        text = plain.get_content() if plain else ""
        for address in str(message["To"]).split(", "):
            found.setdefault(address, []).append((str(message["Subject"]), text))
    return found


def warehouse_state(data: Path) -> dict[str, object]:
    engine = sa.create_engine(f"sqlite:///{data / 'warehouse.db'}")
    with engine.connect() as conn:
        state = {
            "submissions": dict(conn.execute(sa.text(
                "select status, count(*) from submissions group by status")).all()),
            "snapshots": dict(conn.execute(sa.text(
                "select period, max(version) from snapshots group by period")).all()),
            "received": conn.execute(sa.text("select count(*) from received_files")).scalar_one(),
        }
    engine.dispose()
    return state


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    return run_demo(tmp_path_factory.mktemp("demo"))


def test_demo_runs_the_year_and_says_where_everything_is(first_run: DemoRun) -> None:
    out, data = first_run.process.stdout, first_run.data
    assert first_run.process.returncode == 0, first_run.process.stderr[-3000:]

    bulletins = [data / "bulletins" / f"bulletin_2026-10_v1.{ext}" for ext in ("xlsx", "html")]
    assert all(path.is_file() and str(path) in out for path in bulletins), out
    feedback = sorted((data / "quarantine").rglob("*_feedback.xlsx"))
    assert len(feedback) >= 10 and all("_bad-" in path.name for path in feedback)
    assert f"{len(feedback)} under {data / 'quarantine'}" in out
    mail = recipients(data / "outbox")
    assert any("进度预警汇总" in subject for subject, _ in mail["data-team@example.org"]), mail
    assert any("未通过校验" in subject and "bad-negative_value" in text  # one notice per unit and run
               for subject, text in mail["p01-office@example.org"]), mail
    assert any("指标进度预警" in subject for subject, _ in mail["c04-stats@example.org"]), mail
    assert f"emails: {sum(1 for _ in (data / 'outbox').glob('*.eml'))} in {data / 'outbox'}" in out
    state = warehouse_state(data)
    assert state["submissions"]["accepted"] > 90 and state["submissions"]["rejected"] >= 10, state
    assert state["snapshots"] == {f"2026-{month:02d}": 1 for month in range(1, 11)}
    assert "序时进度" in out and "高新技术企业总数" in out and "lagging" in out
    assert "not reported yet: P04" in out
    assert (first_run.airflow_home / "airflow.db").is_file()
    assert (first_run.airflow_home / "demo.log").read_text().count("DagRun Finished") == 4


def test_second_run_changes_and_sends_nothing(first_run: DemoRun) -> None:
    assert first_run.process.returncode == 0, first_run.process.stderr[-3000:]
    before_mail = sorted(p.name for p in (first_run.data / "outbox").glob("*.eml"))
    before = warehouse_state(first_run.data)

    again = run_demo(first_run.data.parent)

    assert again.process.returncode == 0, again.process.stderr[-3000:]
    assert sorted(p.name for p in (first_run.data / "outbox").glob("*.eml")) == before_mail
    assert warehouse_state(first_run.data) == before
    assert "no new email this run" in again.process.stdout
    assert "bulletin 2026-10 v1:" in again.process.stdout


def test_a_failing_dag_run_is_named_without_a_traceback(tmp_path: Path) -> None:
    broken = run_demo(tmp_path, SCORECARD_SQL_DIR=str(tmp_path / "no-sql-here"))

    assert broken.process.returncode == 2
    [message] = [line for line in broken.process.stderr.splitlines() if line.startswith("error: ")]
    assert message.startswith("error: DAG scorecard_ingest ended failed (failed tasks: ")
    assert "list_pending" in message
    assert "Traceback" not in broken.process.stderr and broken.process.stdout == ""
    assert str(tmp_path / "airflow" / "demo.log") in broken.process.stderr



def kill_tree(process: subprocess.Popen, tree: list[psutil.Process]) -> None:
    """SIGKILL ``process`` and every process it started (those seen in ``tree`` and those under it now)."""
    if process.poll() is None:
        tree = [*tree, *psutil.Process(process.pid).children(recursive=True)]
        process.kill()
    for leftover in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            leftover.kill()
    process.wait()


def test_airflow_command_serves_the_ui_and_stops_everything_on_ctrl_c(tmp_path: Path) -> None:
    port, home, out = free_port(), tmp_path / "airflow", tmp_path / "stdout.txt"
    env = {**os.environ, "SCORECARD_DATA_DIR": str(tmp_path / "data"), "SCORECARD_AIRFLOW_HOME": str(home),
           "AIRFLOW__API__PORT": str(port)}
    with out.open("w") as stdout:
        process = subprocess.Popen([str(SCORECARD), "airflow"], env=env, stdout=stdout,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    tree: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 300
        while "password: " not in out.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(1)
        announced = out.read_text()
        assert f"Airflow UI: http://127.0.0.1:{port}  login: admin  password: " in announced, (
            announced + (home / "standalone.log").read_text()[-3000:])
        password = announced.split("password: ", 1)[1].split()[0]
        generated = json.loads((home / "simple_auth_manager_passwords.json.generated").read_text())
        assert generated == {"admin": password}
        api = f"http://127.0.0.1:{port}"
        token = httpx.post(f"{api}/auth/token", json={"username": "admin", "password": password},
                           timeout=30).json()["access_token"]
        dags = httpx.get(f"{api}/api/v2/dags", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert {d["dag_id"] for d in dags.json()["dags"]} == {
            "scorecard_ingest", "scorecard_monthly_snapshot", "scorecard_alerts", "scorecard_reminders"}
        tree = psutil.Process(process.pid).children(recursive=True)

        process.send_signal(signal.SIGINT)

        assert process.wait(timeout=120) == 0
        assert "stopping Airflow" in out.read_text()
        assert psutil.wait_procs(tree, timeout=10)[1] == [], "processes left behind"
    finally:
        kill_tree(process, tree)
