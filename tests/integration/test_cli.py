"""The command line (contract §5): JSON on stdout, exit statuses, messages instead of tracebacks.

The commands run in-process through Typer's ``CliRunner``; one test runs the installed ``scorecard``
command in a subprocess, as a user would.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from support import HEAVY_MODULES, SCORECARD, refuse_imports
from support.submission_files import complete_rows, write_csv, write_workbook, xlsx
from typer.testing import CliRunner

from scorecard import parsing, validation
from scorecard.cli import app


def scorecard(*args: str, env: dict[str, str] | None = None) -> Result:
    """``scorecard ARGS`` run in-process, without the SCORECARD_* settings of the environment but ``env``."""
    unset: dict[str, str | None] = {name: None for name in os.environ if name.startswith("SCORECARD_")}
    return CliRunner(env={**unset, **(env or {})}).invoke(app, list(args), catch_exceptions=False)


def test_the_installed_command_validates_without_warehouse_using_default_catalogs(catalog,
                                                                                  tmp_path: Path) -> None:
    rows = complete_rows(catalog, "C01", 3)
    rows[2]["value"] = "１,２３４"
    file = write_workbook(tmp_path / "c01.xlsx", "C01", "2026/3", rows)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARD_")}

    result = subprocess.run([SCORECARD, "validate", str(file), "--json"], capture_output=True, text=True,
                            env={**environment, "SCORECARD_DATA_DIR": str(tmp_path / "none")}, timeout=300)

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

    assert first.exit_code == 0, first.stderr
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


@pytest.mark.parametrize(("lang", "words"), [([], "文件不存在"), (["--lang", "en"], "no such file")])
def test_missing_file_is_a_clear_error_not_a_traceback(tmp_path: Path, lang: list[str], words: str) -> None:
    result = scorecard("validate", str(tmp_path / "absent.xlsx"), "--json", *lang)

    assert result.exit_code == 2
    assert json.loads(result.stdout) == {"error": f"{tmp_path / 'absent.xlsx'}: {words}"}
    assert "Traceback" not in result.stderr


def test_validate_speaks_chinese_unless_asked_for_english(catalog, tmp_path: Path) -> None:
    """Text output in the clerk's language, with how to fix each problem; the JSON is the same in both."""
    rows = complete_rows(catalog, "C02", 3)
    rows[0]["value"] = -1
    file = write_workbook(tmp_path / "c02.xlsx", "C02", "2026-03", rows)
    env = {"SCORECARD_DATA_DIR": str(tmp_path)}

    zh = scorecard("validate", str(file), env=env)
    en = scorecard("validate", str(file), "--lang", "en", env=env)

    assert zh.exit_code == en.exit_code == 0
    assert "未通过" in zh.stderr and "错误" in zh.stderr and "单元格 C5" in zh.stderr
    assert "修改方法: 数值为负" in zh.stderr and "rejected" not in zh.stderr and "cell C5" not in zh.stderr
    assert "rejected" in en.stderr and "error" in en.stderr and "未通过" not in en.stderr
    assert "how to fix: The figure is negative" in en.stderr
    assert (json.loads(scorecard("validate", str(file), "--json", env=env).stdout)
            == json.loads(scorecard("validate", str(file), "--json", "--lang", "en", env=env).stdout))


def test_validate_refuses_an_unknown_language(tmp_path: Path) -> None:
    result = scorecard("validate", str(tmp_path / "x.xlsx"), "--lang", "fr", "--json")

    assert result.exit_code == 2 and "--lang" in json.loads(result.stdout)["error"]


def _no_columns(folder: Path) -> Path:
    path = folder / "c01.csv"
    path.write_text("unit_code,period,value\nC01,2026-03,5\n", encoding="utf-8")
    return path


def _no_table(folder: Path) -> Path:
    path = folder / "c01.xlsx"
    path.write_bytes(xlsx([["单位代码", "C01"], ["报告期", "2026-03"]], title="Sheet"))
    return path


def _nothing_known(folder: Path) -> Path:
    rows = [{"indicator_code": "NO_SUCH", "value": -5}, {"indicator_code": "NOR_THIS", "value": "abc"}]
    return write_workbook(folder / "x99.xlsx", "X99", "2026-13", rows)


def _not_a_workbook(folder: Path) -> Path:
    path = folder / "c01.xlsx"
    path.write_bytes(b"this is not a zip file at all")
    return path


STRUCTURE = [
    # (case id, file, expected problems as (rule, cell, line, indicator_code))
    ("CSV without indicator_code", _no_columns, [("missing_metadata", None, 1, None)]),
    ("workbook without a table", _no_table, [("missing_metadata", None, None, None)]),
    ("no known unit, period or indicator", _nothing_known, [
        ("unknown_unit", "B1", None, None), ("bad_period", "B2", None, None),
        ("unknown_indicator", "A5", None, "NO_SUCH"), ("not_a_number", "C6", None, "NOR_THIS"),
        ("unknown_indicator", "A6", None, "NOR_THIS")]),
    ("not a workbook", _not_a_workbook, [("unreadable_file", None, None, None)]),
]


@pytest.mark.parametrize(("write", "expected"), [c[1:] for c in STRUCTURE], ids=[c[0] for c in STRUCTURE])
def test_a_file_rejected_by_structure_is_answered_without_great_expectations(
        catalog, tmp_path: Path, write: Callable[[Path], Path], expected: list[tuple],
        monkeypatch: pytest.MonkeyPatch) -> None:
    file = write(tmp_path)
    # the suites never changed this answer: there is no row they could speak of
    without_suites = validation.answer(str(file), parsing.parse_file(str(file), file.read_bytes(), catalog))
    refuse_imports(monkeypatch, *HEAVY_MODULES)

    result = scorecard("validate", str(file), "--json", env={"SCORECARD_DATA_DIR": str(tmp_path / "none")})

    assert result.exit_code == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert [(e["rule"], e["cell"], e["line"], e["indicator_code"]) for e in verdict["errors"]] == expected
    assert verdict == without_suites


def test_a_file_rejected_by_structure_with_rows_still_gets_every_value_rule(catalog, tmp_path: Path) -> None:
    rows = complete_rows(catalog, "C01", 3)
    rows[0]["value"] = -1
    file = write_workbook(tmp_path / "x99.xlsx", "X99", "2026-03", rows)

    result = scorecard("validate", str(file), "--json", env={"SCORECARD_DATA_DIR": str(tmp_path / "none")})

    assert {(e["rule"], e["cell"]) for e in json.loads(result.stdout)["errors"]} == {
        ("unknown_unit", "B1"), ("negative_value", "C5")}


def test_importing_the_command_line_imports_no_heavy_library() -> None:
    heavy = [*HEAVY_MODULES, "airflow", "matplotlib", "openpyxl"]
    code = f"import sys, scorecard.cli; print([m for m in {heavy!r} if m in sys.modules])"

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "[]"


def test_an_unreachable_validator_is_a_clear_error(catalog, tmp_path: Path) -> None:
    file = write_workbook(tmp_path / "c01.xlsx", "C01", "2026-03", complete_rows(catalog, "C01", 3))
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]

    result = scorecard("validate", str(file), "--json",
                       env={"SCORECARD_VALIDATOR_URL": f"http://clerk:secret@127.0.0.1:{port}/scorecard"})

    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"].startswith(
        f"the validator at http://127.0.0.1:{port}/auth/token cannot be reached")
    assert "secret" not in result.stdout + result.stderr and "Traceback" not in result.stderr
