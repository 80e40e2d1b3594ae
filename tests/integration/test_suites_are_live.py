"""The suites under ``expectations/`` are data: editing a JSON file changes the verdict, no code change."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from scorecard import config, validation
from scorecard.model import ParsedSubmission, ReportedValue

Suite = dict


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "expectations"
    shutil.copytree(config.expectations_dir(), folder)
    return folder


def _edit(folder: Path, name: str, change: Callable[[Suite], None]) -> None:
    path = folder / f"{name}.json"
    suite = json.loads(path.read_text(encoding="utf-8"))
    change(suite)
    path.write_text(json.dumps(suite, ensure_ascii=False), encoding="utf-8")


def _by_rule(suite: Suite, rule: str) -> list[dict]:
    return [e for e in suite["expectations"] if e["meta"]["rule_id"] == rule]


def _raise_negative_floor(suite: Suite) -> None:
    _by_rule(suite, "negative_value")[0]["kwargs"]["min_value"] = 10


def _drop_numerator_rule(suite: Suite) -> None:
    suite["expectations"] = [e for e in suite["expectations"]
                             if e["meta"]["rule_id"] != "numerator_exceeds_denominator"]


def _reword_negative(suite: Suite) -> None:
    meta = _by_rule(suite, "negative_value")[0]["meta"]
    meta["message_zh"], meta["message_en"] = "负数：{value}", "below zero: {value}"


def _check(rows: list[ReportedValue], catalog, suites_dir: Path | None = None) -> list[tuple[str, str]]:
    submission = ParsedSubmission("c01.csv", "csv", "C01", "2026-03", rows=rows)
    validation.check_data([submission], catalog, suites_dir)
    return [(str(p.rule), p.message_en) for p in submission.problems]


EDITS = [
    # (case id, suite, edit, rows, rules before, rules after)
    ("raise the floor of negative_value", "submission_values", _raise_negative_floor,
     [ReportedValue("HTE_APPLY", 5, line=2)], [], ["negative_value"]),
    ("remove numerator_exceeds_denominator", "ratio_components", _drop_numerator_rule,
     [ReportedValue("ST_SPEND_SHARE", 120, 12, 10, line=2)], ["numerator_exceeds_denominator"], []),
]


@pytest.mark.parametrize(("suite", "edit", "rows", "before", "after"), [e[1:] for e in EDITS],
                         ids=[e[0] for e in EDITS])
def test_editing_a_suite_changes_the_verdict(tmp_path: Path, catalog, suite: str, edit: Callable,
                                             rows: list[ReportedValue], before: list[str],
                                             after: list[str]) -> None:
    folder = _copy(tmp_path)
    assert [rule for rule, _ in _check(rows, catalog, folder)] == before
    _edit(folder, suite, edit)
    assert [rule for rule, _ in _check(rows, catalog, folder)] == after


def test_messages_come_from_the_suite(tmp_path: Path, catalog) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "submission_values", _reword_negative)
    assert _check([ReportedValue("HTE_APPLY", -2, line=2)], catalog, folder) == [
        ("negative_value", "below zero: -2")]


def test_the_folder_comes_from_the_environment(tmp_path: Path, catalog, monkeypatch) -> None:
    folder = _copy(tmp_path)
    (folder / "ratio_components.json").unlink()
    monkeypatch.setenv("SCORECARD_EXPECTATIONS_DIR", str(folder))
    assert _check([ReportedValue("ST_SPEND_SHARE", None, 5, 0, line=2)], catalog) == []
    monkeypatch.delenv("SCORECARD_EXPECTATIONS_DIR")
    assert [rule for rule, _ in _check([ReportedValue("ST_SPEND_SHARE", None, 5, 0, line=2)], catalog)] == [
        "zero_denominator"]


@pytest.mark.parametrize("rows", [[ReportedValue("HTE_APPLY", 1, line=2)], []], ids=["rows", "no rows"])
def test_an_expectation_without_a_rule_id_is_refused(tmp_path: Path, catalog,
                                                     rows: list[ReportedValue]) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "submission_values", lambda suite: suite["expectations"][0]["meta"].pop("rule_id"))
    with pytest.raises(validation.SuiteError, match="rule_id"):
        _check(rows, catalog, folder)


def test_an_expectation_that_cannot_run_is_an_error(tmp_path: Path, catalog) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "submission_values",
          lambda suite: suite["expectations"][0]["kwargs"].update(column="no_such_column"))
    with pytest.raises(validation.SuiteError, match="no_such_column"):
        _check([ReportedValue("HTE_APPLY", 1, line=2)], catalog, folder)
