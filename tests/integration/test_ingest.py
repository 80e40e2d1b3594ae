"""From inbox files to the warehouse, on SQLite and PostgreSQL: load, versions, duplicates, rejection."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from support import TODAY
from support.submission_files import complete_rows, write_csv, write_workbook

from scorecard import ingest, receiving, targets


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def run(engine: sa.Engine, inbox: Path, tmp_path: Path) -> list[dict]:
    pending = receiving.pending_files(engine, str(inbox))
    report = ingest.ingest_files(engine, pending, today=TODAY, quarantine_root=str(tmp_path / "quarantine"))
    return report.as_json()["submissions"]


def in_force(engine: sa.Engine, unit_code: str, period: str) -> dict[str, float]:
    query = sa.text(
        "select v.indicator_code, v.value from reported_values v "
        "join submissions s on s.submission_id = v.submission_id "
        "where s.unit_code = :u and s.period = :p and s.in_force"
    )
    with engine.connect() as conn:
        return {r.indicator_code: r.value for r in conn.execute(query, {"u": unit_code, "p": period})}


def count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"select count(*) from {table}")).scalar_one()


def test_accepted_workbook_is_loaded_in_force(engine, catalog, inbox, tmp_path) -> None:
    rows = complete_rows(catalog, "C01", 9)
    write_workbook(inbox / "c01_2026-09.xlsx", "C01", "2026-09", rows)

    [entry] = run(engine, inbox, tmp_path)

    assert entry == {"file": str(inbox / "c01_2026-09.xlsx"), "status": "accepted", "unit_code": "C01",
                     "period": "2026-09", "errors": [], "warnings": []}
    figures = in_force(engine, "C01", "2026-09")
    assert figures["HTE_APPLY"] == 18.0
    assert figures["ST_SPEND_SHARE"] == pytest.approx(100 * 90 / 3600)
    assert len(figures) == len(rows)
    with engine.connect() as conn:
        ratio = conn.execute(sa.text("select numerator, denominator, note, cell, line from reported_values "
                                     "where indicator_code = 'ST_SPEND_SHARE'")).one()
        flow = conn.execute(sa.text("select numerator, cell from reported_values "
                                    "where indicator_code = 'HTE_APPLY'")).one()
    position = [r["indicator_code"] for r in rows].index("ST_SPEND_SHARE")
    assert tuple(ratio) == (90.0, 3600.0, None, f"C{5 + position}", None)
    assert tuple(flow) == (None, "C5")


def test_resubmission_supersedes_and_older_version_stays(engine, catalog, inbox, tmp_path) -> None:
    write_workbook(inbox / "a_first.xlsx", "C02", "2026-08", complete_rows(catalog, "C02", 8),
                   submitted_at=datetime(2026, 9, 2, 10, 0))
    run(engine, inbox, tmp_path)
    write_workbook(inbox / "b_correction.xlsx", "C02", "2026-08", complete_rows(catalog, "C02", 8, 1.5),
                   submitted_at=datetime(2026, 9, 4, 9, 0))
    run(engine, inbox, tmp_path)

    assert in_force(engine, "C02", "2026-08")["HTE_APPLY"] == 24.0
    with engine.connect() as conn:
        versions = conn.execute(sa.text(
            "select version, in_force from submissions where unit_code = 'C02' order by version")).all()
    assert [(v, bool(f)) for v, f in versions] == [(1, False), (2, True)]


def test_resubmission_filled_in_earlier_does_not_supersede(engine, catalog, inbox, tmp_path) -> None:
    write_workbook(inbox / "a.xlsx", "C03", "2026-08", complete_rows(catalog, "C03", 8, 1.5),
                   submitted_at=datetime(2026, 9, 4, 9, 0))
    write_workbook(inbox / "b.xlsx", "C03", "2026-08", complete_rows(catalog, "C03", 8),
                   submitted_at=datetime(2026, 9, 2, 9, 0))

    entries = run(engine, inbox, tmp_path)

    assert [e["status"] for e in entries] == ["accepted", "accepted"]
    assert in_force(engine, "C03", "2026-08")["HTE_APPLY"] == 24.0


def test_duplicate_bytes_are_recorded_not_loaded(engine, catalog, inbox, tmp_path) -> None:
    original = write_workbook(inbox / "a.xlsx", "C04", "2026-07", complete_rows(catalog, "C04", 7))
    run(engine, inbox, tmp_path)
    shutil.copy(original, inbox / "b_same_bytes.xlsx")

    [entry] = run(engine, inbox, tmp_path)

    assert (entry["status"], entry["unit_code"], entry["period"]) == ("duplicate", "C04", "2026-07")
    assert count(engine, "submissions") == 1
    assert count(engine, "received_files") == 2


def test_rejected_resubmission_leaves_loaded_figures_untouched(engine, catalog, inbox, tmp_path) -> None:
    write_workbook(inbox / "a.xlsx", "P01", "2026-06", complete_rows(catalog, "P01", 6))
    run(engine, inbox, tmp_path)
    before = in_force(engine, "P01", "2026-06")
    bad_rows = complete_rows(catalog, "P01", 6, 2)
    bad_rows[0]["value"] = -5
    bad_rows[1]["value"] = "many"
    bad = write_workbook(inbox / "b_bad.xlsx", "P01", "2026-06", bad_rows)

    [entry] = run(engine, inbox, tmp_path)

    assert entry["status"] == "rejected"
    assert {e["rule"] for e in entry["errors"]} >= {"negative_value", "not_a_number"}
    assert in_force(engine, "P01", "2026-06") == before
    with engine.connect() as conn:
        query = sa.text("select errors from submissions where status = 'rejected'")
        stored = conn.execute(query).scalar_one()
    assert (json.loads(stored) if isinstance(stored, str) else stored) == entry["errors"]
    with engine.connect() as conn:
        kept = conn.execute(sa.text("select stored_path, report_path, feedback_path from quarantine")).one()
    assert Path(kept.stored_path).read_bytes() == bad.read_bytes()
    report = json.loads(Path(kept.report_path).read_text(encoding="utf-8"))
    assert report["submissions"][0]["status"] == "rejected"
    negative = next(e for e in entry["errors"] if e["rule"] == "negative_value")
    feedback = load_workbook(kept.feedback_path)
    cell = feedback["填报表"][negative["cell"]]
    assert cell.fill.start_color.rgb.endswith("FFC7CE")
    assert "negative_value" in cell.comment.text


def test_second_run_over_same_inbox_changes_nothing(engine, catalog, inbox, tmp_path) -> None:
    write_workbook(inbox / "a.xlsx", "C05", "2026-05", complete_rows(catalog, "C05", 5))
    write_csv(inbox / "b.csv", [("P02", "2026-05", complete_rows(catalog, "P02", 5)),
                                ("P03", "2026-05", complete_rows(catalog, "P03", 5))])
    first = run(engine, inbox, tmp_path)
    tables = {t: count(engine, t) for t in ("received_files", "submissions", "reported_values")}

    second = run(engine, inbox, tmp_path)

    assert [e["status"] for e in first] == ["accepted"] * 3
    assert [e["unit_code"] for e in first] == ["C05", "P02", "P03"]
    assert second == []
    assert {t: count(engine, t) for t in tables} == tables


def test_targets_dropped_in_inbox_are_loaded_once(engine, inbox) -> None:
    (inbox / "targets").mkdir()
    (inbox / "targets" / "2027.csv").write_text(
        "year,unit_code,indicator_code,target\n2027,CITY,HTE_APPLY,70\n2027,C01,HTE_APPLY,12\n",
        encoding="utf-8")

    first = targets.load_dropped(engine, str(inbox))
    second = targets.load_dropped(engine, str(inbox))

    assert [r["status"] for r in first] == ["loaded"]
    assert second == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("select target from targets where year = 2027 and unit_code = 'CITY'")
                            ).scalar_one() == 70


def test_months_of_one_unit_in_one_run_are_checked_against_each_other(engine, catalog, inbox,
                                                                      tmp_path) -> None:
    february = complete_rows(catalog, "C01", 2)
    march = complete_rows(catalog, "C01", 3)
    march[0]["value"] = february[0]["value"] - 1
    write_workbook(inbox / "a_feb.xlsx", "C01", "2026-02", february)
    write_workbook(inbox / "b_mar.xlsx", "C01", "2026-03", march)

    entries = run(engine, inbox, tmp_path)

    assert [e["status"] for e in entries] == ["accepted", "rejected"]
    [error] = entries[1]["errors"]
    assert (error["rule"], error["indicator_code"], error["cell"]) == (
        "cumulative_decrease", march[0]["indicator_code"], "C5")


def test_unknown_unit_code_of_any_length_is_recorded_as_written(engine, catalog, inbox, tmp_path) -> None:
    written = "NANHU-COUNTY-SCIENCE-AND-TECHNOLOGY-BUREAU-" * 2
    write_csv(inbox / "a.csv", [(written, "2026-04", complete_rows(catalog, "C01", 4))])

    [entry] = run(engine, inbox, tmp_path)

    assert (entry["status"], entry["unit_code"]) == ("rejected", written)
    assert "unknown_unit" in {e["rule"] for e in entry["errors"]}
    with engine.connect() as conn:
        assert conn.execute(sa.text("select unit_code from submissions")).scalar_one() == written


def test_files_already_received_at_their_location_are_not_taken_again(engine, catalog, inbox,
                                                                      tmp_path) -> None:
    write_workbook(inbox / "a.xlsx", "C01", "2026-04", complete_rows(catalog, "C01", 4))
    uris = [str(inbox / "a.xlsx")]
    ingest.ingest_files(engine, uris, today=TODAY, quarantine_root=str(tmp_path / "q"))

    retried = ingest.ingest_files(engine, uris, today=TODAY, quarantine_root=str(tmp_path / "q"))

    assert retried.entries == []
    assert count(engine, "received_files") == 1
