"""Real ``dag.test()`` runs of the scorecard DAGs against a warehouse on SQLite and mail on loopback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa
from support import CONTRACT_DIR
from support.submission_files import complete_rows, write_csv, write_workbook

pytestmark = pytest.mark.airflow


def submissions(data_dir: Path) -> list[tuple[str, str, str]]:
    engine = sa.create_engine(f"sqlite:///{data_dir / 'warehouse.db'}")
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(
            "select unit_code, period, status from submissions order by unit_code, period, status"))]
    engine.dispose()
    return rows


def warehouse_rows(data_dir: Path, query: str, **params: object) -> list[tuple]:
    engine = sa.create_engine(f"sqlite:///{data_dir / 'warehouse.db'}")
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(query), params)]
    engine.dispose()
    return rows


def test_ingest_run_loads_accepts_and_rejects_then_changes_nothing_until_a_file_changes(
        run_dag, task_states, xcom_values, asset_events, scorecard_env, smtp_server, catalog, caplog) -> None:
    inbox = scorecard_env / "inbox"
    write_workbook(inbox / "c01_2026-09.xlsx", "C01", "2026-09", complete_rows(catalog, "C01", 9))
    write_csv(inbox / "p01_2026-08.csv", [("P01", "2026-08", complete_rows(catalog, "P01", 8))])
    bad = complete_rows(catalog, "C02", 9)
    bad[0]["value"] = -5
    write_workbook(inbox / "c02_2026-09.xlsx", "C02", "2026-09", bad)

    with caplog.at_level("INFO"):
        first = run_dag("scorecard_ingest", run_conf={"batch_size": 2})

    assert str(first.state) == "success", task_states(first)
    received = warehouse_rows(scorecard_env, "select uri from received_files where run_id = :r order by uri",
                              r=first.run_id)
    names = ("c01_2026-09.xlsx", "c02_2026-09.xlsx", "p01_2026-08.csv")
    assert received == [(str(inbox / name),) for name in names]
    verdicts = [r.getMessage() for r in caplog.records if r.name == "scorecard.tasks"]
    assert "C01 2026-09 accepted: c01_2026-09.xlsx" in verdicts
    [rejected] = [line for line in verdicts if "C02" in line]
    assert rejected.startswith("C02 2026-09 rejected: c02_2026-09.xlsx [negative_value] feedback ")
    assert not [r for r in caplog.records if r.name.startswith("great_expectations") and r.levelno < 30]
    assert task_states(first)["prepare_batch"] == ["success", "success"]
    assert task_states(first)["load_batches"] == ["success"]
    assert submissions(scorecard_env) == [("C01", "2026-09", "accepted"), ("C02", "2026-09", "rejected"),
                                          ("P01", "2026-08", "accepted")]
    [summary] = xcom_values(first, "summarise")
    assert summary == {"accepted": 2, "rejected": 1, "duplicate": 0, "files": 3, "batches": 2,
                       "periods": ["2026-08", "2026-09"]}
    assert asset_events(first) == [("scorecard_submissions", {"periods": ["2026-08", "2026-09"]})]
    [notice] = smtp_server.to("c02-stats@example.org")
    assert "c02_2026-09.xlsx" in notice.get_body(preferencelist=("plain",)).get_content()
    assert [a.get_filename() for a in notice.iter_attachments()] != []

    second = run_dag("scorecard_ingest")

    assert str(second.state) == "success", task_states(second)
    assert task_states(second) == {
        "list_pending": ["success"], "prepare_batch": ["skipped"], "load_batches": ["skipped"],
        "summarise": ["skipped"],
        "announce_submissions": ["skipped"], "notify_rejections": ["skipped"],
        "resend_rejection_notices": ["success"], "load_targets": ["success"]}
    assert asset_events(second) == []
    assert submissions(scorecard_env) == [("C01", "2026-09", "accepted"), ("C02", "2026-09", "rejected"),
                                          ("P01", "2026-08", "accepted")]
    assert len(smtp_server.to("c02-stats@example.org")) == 1

    bad[1]["value"] = -7
    write_workbook(inbox / "c02_2026-09.xlsx", "C02", "2026-09", bad)
    third = run_dag("scorecard_ingest")

    assert str(third.state) == "success", task_states(third)
    assert xcom_values(third, "notify_rejections") == [{"sent": 1, "already_sent": 0, "failed": 0}]
    assert len(smtp_server.to("c02-stats@example.org")) == 2


def test_rejection_notice_refused_by_the_server_goes_out_with_a_later_run(
        run_dag, task_states, xcom_values, scorecard_env, smtp_server, catalog) -> None:
    bad = complete_rows(catalog, "C03", 9)
    bad[0]["value"] = -1
    write_workbook(scorecard_env / "inbox" / "c03_2026-09.xlsx", "C03", "2026-09", bad)
    smtp_server.refusing = True

    during_outage = run_dag("scorecard_ingest")

    assert str(during_outage.state) == "success", task_states(during_outage)
    assert xcom_values(during_outage, "notify_rejections")[0]["failed"] == 1
    assert smtp_server.messages == []

    smtp_server.refusing = False
    after = run_dag("scorecard_ingest")

    assert xcom_values(after, "resend_rejection_notices") == [{"resent": 1}]
    assert len(smtp_server.to("c03-stats@example.org")) == 1


def test_each_failing_task_emails_the_team(run_dag, task_states, scorecard_env, smtp_server,
                                          monkeypatch) -> None:
    monkeypatch.setenv("SCORECARD_DB_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")

    dag_run = run_dag("scorecard_ingest")

    assert str(dag_run.state) == "failed"
    failed = sorted(task for task, states in task_states(dag_run).items() if states == ["failed"])
    assert failed == ["list_pending", "load_targets", "resend_rejection_notices"]
    mails = smtp_server.to("data-team@example.org")
    assert {m["From"] for m in mails} == {"scorecard@example.org"}
    subjects = sorted(m["Subject"] for m in mails)
    assert len(subjects) == len(failed)
    assert all(f"Task {task} " in subject for task, subject in zip(failed, subjects, strict=True)), subjects


def test_month_end_chain_ingest_snapshot_bulletin_alerts(
        run_dag, task_states, xcom_values, asset_events, scorecard_env, smtp_server, catalog, db_url,
        monkeypatch) -> None:
    monkeypatch.setenv("SCORECARD_DB_URL", db_url)  # SQLite, and PostgreSQL where the machine has it
    inbox = scorecard_env / "inbox"
    (inbox / "targets").mkdir()
    shutil.copy(CONTRACT_DIR / "targets_2026.csv", inbox / "targets" / "targets_2026.csv")
    for unit_code in ("C01", "C02", "P01"):
        write_workbook(inbox / f"{unit_code}_2026-09.xlsx", unit_code, "2026-09",
                       complete_rows(catalog, unit_code, 9))
    ingested = run_dag("scorecard_ingest")
    assert str(ingested.state) == "success", task_states(ingested)
    assert xcom_values(ingested, "load_targets")[0][0]["status"] == "loaded"

    # The run of 5 October 06:00 in Shanghai is about September, whatever the day it really runs.
    monthly = pendulum.datetime(2026, 10, 5, 6, tz="Asia/Shanghai")
    snapshot_run = run_dag("scorecard_monthly_snapshot", logical_date=monthly)

    assert str(snapshot_run.state) == "success", task_states(snapshot_run)
    assert xcom_values(snapshot_run, "periods_to_take") == [["2026-09"]]
    [bulletin] = xcom_values(snapshot_run, "write_bulletin")
    assert bulletin["period"] == "2026-09" and bulletin["version"] == 1
    assert sorted(Path(f).name for f in bulletin["files"]) == ["bulletin_2026-09_v1.html",
                                                               "bulletin_2026-09_v1.xlsx"]
    assert all(Path(f).is_file() and Path(f).parent == scorecard_env / "bulletins" for f in bulletin["files"])
    assert asset_events(snapshot_run) == [("scorecard_snapshots", {"snapshots": [bulletin]})]

    again = run_dag("scorecard_monthly_snapshot", run_conf={"period": "2026-09"})
    assert xcom_values(again, "take_snapshot")[0]["version"] == 1
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        taken = conn.execute(sa.text("select run_id, snapshot_id from run_snapshots order by run_id")).all()
        written = conn.execute(sa.text("select snapshot_id, lang, format, location from bulletins "
                                       "order by format")).all()
    engine.dispose()
    assert sorted(taken) == sorted([(snapshot_run.run_id, bulletin["snapshot_id"]),
                                    (again.run_id, bulletin["snapshot_id"])])
    assert [tuple(w) for w in written] == [(bulletin["snapshot_id"], "zh", "html", bulletin["files"][1]),
                                           (bulletin["snapshot_id"], "zh", "xlsx", bulletin["files"][0])]

    alerts_run = run_dag("scorecard_alerts", run_conf={"period": "2026-09"})

    assert str(alerts_run.state) == "success", task_states(alerts_run)
    [answer] = xcom_values(alerts_run, "send_alerts")
    assert answer["period"] == "2026-09" and answer["version"] == 1 and answer["sent"] is True
    assert answer["alerts"], "the sample figures leave some indicators behind"
    [digest] = [m for m in smtp_server.to("data-team@example.org") if "进度预警汇总" in m.subject]
    assert list(digest.attachments()) == ["bulletin_2026-09_v1.xlsx"]  # found in the warehouse's bulletins
    assert all(m["Reply-To"] == "data-team@example.org" for m in smtp_server.messages)
    delivered = len(smtp_server.messages)

    run_dag("scorecard_alerts", run_conf={"period": "2026-09"})
    assert len(smtp_server.messages) == delivered


def shanghai_9am(year: int, month: int, day: int) -> pendulum.DateTime:
    """When the daily reminders run is scheduled."""
    return pendulum.datetime(year, month, day, 9, tz="Asia/Shanghai")


def test_reminders_wait_for_the_deadline_then_remind_each_missing_unit_once(
        run_dag, task_states, xcom_values, scorecard_env, smtp_server, catalog) -> None:
    write_workbook(scorecard_env / "inbox" / "c01_2026-09.xlsx", "C01", "2026-09",
                   complete_rows(catalog, "C01", 9))
    assert str(run_dag("scorecard_ingest").state) == "success"

    before = run_dag("scorecard_reminders", logical_date=shanghai_9am(2026, 10, 2))

    assert xcom_values(before, "remind_missing")[0]["due"] is False
    assert smtp_server.messages == []

    on_deadline = run_dag("scorecard_reminders", logical_date=shanghai_9am(2026, 10, 3))

    assert str(on_deadline.state) == "success", task_states(on_deadline)
    [answer] = xcom_values(on_deadline, "remind_missing")
    others = sorted(set(catalog.units) - {"C01"})
    assert (answer["period"], answer["deadline"]) == ("2026-09", "2026-10-03")
    assert sorted(answer["reminded"]) == others
    assert smtp_server.to(catalog.units["C02"].contact_email)
    assert not smtp_server.to(catalog.units["C01"].contact_email)
    delivered = len(smtp_server.messages)

    run_dag("scorecard_reminders", logical_date=shanghai_9am(2026, 10, 4))
    assert len(smtp_server.messages) == delivered


def test_dag_test_runs_write_task_logs_where_the_ui_reads_them(run_dag, scorecard_env, catalog,
                                                              tmp_path) -> None:
    import json

    from scorecard import task_logs

    inbox = scorecard_env / "inbox"
    write_workbook(inbox / "c01_2026-09.xlsx", "C01", "2026-09", complete_rows(catalog, "C01", 9))
    with task_logs.written(tmp_path / "logs"):
        dag_run = run_dag("scorecard_ingest")

    folder = tmp_path / "logs" / "dag_id=scorecard_ingest" / f"run_id={dag_run.run_id}"
    assert [p.relative_to(folder).parts[1] for p in (folder / "task_id=prepare_batch").rglob("attempt=*.log")
            ] == ["map_index=0"]
    batch_log = folder / "task_id=load_batches" / "attempt=1.log"
    lines = [json.loads(line) for line in batch_log.read_text(encoding="utf-8").splitlines()]
    assert {"timestamp", "event", "level", "logger"} <= lines[0].keys()
    assert "C01 2026-09 accepted: c01_2026-09.xlsx" in [line["event"] for line in lines]
    assert not [line for line in lines if line["logger"].startswith("great_expectations")]
    assert (folder / "task_id=list_pending" / "attempt=1.log").is_file()
