"""Ingest prepared by several processes, or by mapped Airflow tasks, ends as ingest in one process does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from support import TODAY
from support.submission_files import complete_rows, write_csv, write_workbook

from scorecard import ingest, receiving, tasks, warehouse


@pytest.fixture
def inbox(tmp_path: Path, catalog) -> Path:
    """Eleven files whose verdicts depend on their order: copies of earlier files (one of them rejected),
    a corrected version of an accepted report and of a rejected one, a CSV of two units, and a month whose
    year-to-date flows fall below the month before it (rejected only against the warehouse)."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    write_workbook(folder / "01_c01_2026-08.xlsx", "C01", "2026-08", complete_rows(catalog, "C01", 8))
    write_workbook(folder / "02_c01_2026-09.xlsx", "C01", "2026-09", complete_rows(catalog, "C01", 9))
    bad = complete_rows(catalog, "C02", 9)
    bad[0]["value"] = -5
    write_workbook(folder / "03_c02_2026-09.xlsx", "C02", "2026-09", bad)
    shutil.copy(folder / "01_c01_2026-08.xlsx", folder / "04_copy.xlsx")
    write_workbook(folder / "05_c01_2026-09_v2.xlsx", "C01", "2026-09", complete_rows(catalog, "C01", 9, 1.1))
    write_csv(folder / "06_parks.csv", [("P01", "2026-09", complete_rows(catalog, "P01", 9)),
                                        ("P02", "2026-09", complete_rows(catalog, "P02", 9))])
    write_workbook(folder / "07_c02_2026-09_v2.xlsx", "C02", "2026-09", complete_rows(catalog, "C02", 9))
    shutil.copy(folder / "03_c02_2026-09.xlsx", folder / "08_copy_of_rejected.xlsx")
    write_workbook(folder / "09_c01_2026-09_v3.xlsx", "C01", "2026-09", complete_rows(catalog, "C01", 9, 1.2))
    write_workbook(folder / "10_c03_2026-08.xlsx", "C03", "2026-08", complete_rows(catalog, "C03", 8))
    write_workbook(folder / "11_c03_2026-09.xlsx", "C03", "2026-09", complete_rows(catalog, "C03", 9, 0.3))
    return folder


def received(engine: sa.Engine) -> list[tuple]:
    """What the warehouse holds of each file and submission, in receiving order, without its ids."""
    query = sa.text(
        "select f.uri, f.outcome, o.uri as original, s.unit_code, s.period, s.version, s.status, s.in_force "
        "from received_files f left join received_files o on o.file_id = f.duplicate_of "
        "left join submissions s on s.file_id = f.file_id order by f.file_id, s.submission_id")
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]


@pytest.fixture
def one_process(inbox: Path, tmp_path: Path) -> tuple[list[dict], list[tuple]]:
    """The answer and the warehouse of ingest in one process, one batch, on a warehouse of its own."""
    engine = warehouse.engine(f"sqlite:///{tmp_path / 'reference.db'}")
    warehouse.init_db(engine)
    report = ingest.ingest_files(engine, receiving.pending_files(engine, str(inbox)), today=TODAY,
                                 quarantine_root=str(tmp_path / "reference-quarantine"))
    return report.as_json()["submissions"], received(engine)


def test_worker_processes_give_the_answer_and_warehouse_of_one_process(engine, inbox, one_process,
                                                                       tmp_path) -> None:
    quarantine = tmp_path / "quarantine"

    report = ingest.ingest_files(engine, receiving.pending_files(engine, str(inbox)), today=TODAY,
                                 quarantine_root=str(quarantine), batch_size=2, workers=2)

    assert (report.as_json()["submissions"], received(engine)) == one_process
    in_force = [row[3:] for row in received(engine) if row[7]]
    assert ("C01", "2026-09", 3, "accepted", True) in in_force
    assert ("C02", "2026-09", 2, "accepted", True) in in_force
    assert [Path(r.file).name for r in report.rejections] == ["03_c02_2026-09.xlsx", "11_c03_2026-09.xlsx"]
    assert {e["rule"] for e in report.rejections[1].errors} == {"cumulative_decrease"}
    assert all(Path(r.feedback_path).is_file() for r in report.rejections)
    assert sorted(p.name for p in quarantine.iterdir() if p.name != ".staging") == sorted(
        r.sha256 for r in report.rejections)


def test_mapped_tasks_prepare_in_any_order_and_load_in_receiving_order(
        engine, warehouse_url, inbox, one_process, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SCORECARD_DB_URL", warehouse_url)
    monkeypatch.setenv("SCORECARD_QUARANTINE", str(tmp_path / "quarantine"))
    batches = tasks.pending_batches(str(inbox), batch_size=2)
    assert [len(b) for b in batches] == [2, 2, 2, 2, 2, 1]

    prepared = [tasks.prepare_batch(batches[i], "run-1", i) for i in reversed(range(len(batches)))]
    results = tasks.load_batches(batches, prepared, "run-1")

    assert [entry for result in results for entry in result["submissions"]] == one_process[0]
    assert received(engine) == one_process[1]
    assert tasks.load_batches(batches, prepared, "run-1") == results  # a retried load task loads nothing
    assert received(engine) == one_process[1]


def test_a_batch_that_failed_to_prepare_is_left_for_the_next_run_with_those_after_it(
        engine, warehouse_url, inbox, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SCORECARD_DB_URL", warehouse_url)
    monkeypatch.setenv("SCORECARD_QUARANTINE", str(tmp_path / "quarantine"))
    batches = tasks.pending_batches(str(inbox), batch_size=4)
    prepared = [tasks.prepare_batch(batches[i], "run-1", i) for i in (0, 2)]

    results = tasks.load_batches(batches, prepared, "run-1")

    assert len(results) == 1  # batch 2 holds C01's third version, which must not go in before the second
    with pytest.raises(Exception, match="2 of 3 ingest batches were not loaded"):
        tasks.summarise_ingest(batches, results)
    assert tasks.pending_batches(str(inbox), batch_size=4) == batches[1:]
