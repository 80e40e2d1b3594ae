"""``scorecard demo`` end to end: the real command, real Airflow DAG runs, mail caught on loopback.

The demo's run is the session's ``demo`` fixture (shared with the UI's browser tests); a second run into
the same data folder and Airflow home must change and send nothing. ``scorecard airflow`` on that home is
tested by ``test_browser``.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.demo import DemoRun, run_demo

from scorecard import bulletin

pytestmark = [pytest.mark.integration, pytest.mark.airflow]


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


def test_demo_runs_the_year_and_says_where_everything_is(demo: DemoRun) -> None:
    out, data = demo.process.stdout, demo.data
    assert demo.process.returncode == 0, demo.process.stderr[-3000:]

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
    city = out.split("  status\n", 1)[1].split("\n\n", 1)[0].splitlines()[1:]  # under the rule line
    order = [bulletin.SEVERITY.index(line.split()[-1]) for line in city]
    assert len(order) == 17 and order == sorted(order), city  # worst first, as in the bulletin
    assert "not reported yet: P04" in out
    assert (demo.airflow_home / "airflow.db").is_file()
    assert (demo.airflow_home / "demo.log").read_text().count("DagRun Finished") == 4


def test_second_run_changes_and_sends_nothing(demo: DemoRun) -> None:
    assert demo.process.returncode == 0, demo.process.stderr[-3000:]
    before_mail = sorted(p.name for p in (demo.data / "outbox").glob("*.eml"))
    before = warehouse_state(demo.data)

    again = run_demo(demo.data.parent)

    assert again.process.returncode == 0, again.process.stderr[-3000:]
    assert sorted(p.name for p in (demo.data / "outbox").glob("*.eml")) == before_mail
    assert warehouse_state(demo.data) == before
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

