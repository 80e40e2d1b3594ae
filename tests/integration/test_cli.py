"""The command line as a user runs it: ``scorecard`` in a subprocess, JSON on stdout (contract §5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from submission_files import complete_rows, write_csv, write_workbook

SCORECARD = str(Path(sys.executable).with_name("scorecard"))


def scorecard(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARD_")}
    environment.update(env or {})
    return subprocess.run([SCORECARD, *args], capture_output=True, text=True, env=environment, timeout=300)


def test_validate_without_warehouse_uses_default_catalogs(catalog, tmp_path: Path) -> None:
    rows = complete_rows(catalog, "C01", 3)
    rows[2]["value"] = "１,２３４"
    file = write_workbook(tmp_path / "c01.xlsx", "C01", "2026/3", rows)

    result = scorecard("validate", str(file), "--json", env={"SCORECARD_DATA_DIR": str(tmp_path / "none")})

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"file": str(file), "status": "accepted", "unit_code": "C01",
                                         "period": "2026-03", "errors": [], "warnings": []}
    assert not (tmp_path / "none").exists()


def test_validate_reports_every_problem_with_rule_and_cell(catalog, tmp_path: Path) -> None:
    rows = complete_rows(catalog, "C02", 3)
    rows[0]["value"] = -1
    rows.append({"indicator_code": "NO_SUCH", "value": 1})
    file = write_workbook(tmp_path / "c02.xlsx", "C02", "2026-03", rows)

    result = scorecard("validate", str(file), "--json", env={"SCORECARD_DATA_DIR": str(tmp_path)})

    verdict = json.loads(result.stdout)
    assert verdict["status"] == "rejected"
    found = {(e["rule"], e["cell"], e["indicator_code"]) for e in verdict["errors"]}
    assert ("negative_value", "C5", rows[0]["indicator_code"]) in found
    assert ("unknown_indicator", f"A{4 + len(rows)}", "NO_SUCH") in found
    assert all(" / " in e["message"] and e["line"] is None for e in verdict["errors"])


def test_ingest_json_answer_and_database_from_environment(catalog, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_workbook(inbox / "a.xlsx", "C03", "2026-04", complete_rows(catalog, "C03", 4))
    write_csv(inbox / "b.csv", [("P01", "2026-04", complete_rows(catalog, "P01", 4)),
                                ("XX9", "2026-04", complete_rows(catalog, "P01", 4))], encoding="gb18030")
    env = {"SCORECARD_DB_URL": f"sqlite:///{tmp_path / 'wh.db'}", "SCORECARD_DATA_DIR": str(tmp_path)}

    first = scorecard("ingest", str(inbox), "--json", env=env)
    second = scorecard("ingest", str(inbox), "--json", env=env)

    assert first.returncode == 0, first.stderr
    entries = json.loads(first.stdout)["submissions"]
    assert [(e["file"], e["status"], e["unit_code"]) for e in entries] == [
        (str(inbox / "a.xlsx"), "accepted", "C03"),
        (str(inbox / "b.csv"), "accepted", "P01"),
        (str(inbox / "b.csv"), "rejected", "XX9"),
    ]
    assert entries[2]["errors"][0]["rule"] == "unknown_unit" and entries[2]["errors"][0]["line"] == 2 + len(
        complete_rows(catalog, "P01", 4))
    assert json.loads(second.stdout) == {"submissions": []}
    assert (tmp_path / "wh.db").exists()


def test_missing_file_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    result = scorecard("validate", str(tmp_path / "absent.xlsx"), "--json")

    assert result.returncode == 2
    assert json.loads(result.stdout) == {"error": f"{tmp_path / 'absent.xlsx'}: no such file"}
    assert "Traceback" not in result.stderr
