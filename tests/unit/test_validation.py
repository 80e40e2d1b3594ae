"""The value rules of contract §3, run through the Great Expectations suites under ``expectations/``.

Great Expectations takes seconds a run: the cases below are each a submission of their own, all checked in one
run (which maps each failure back to its submission, as ``test_failures_map_back_to_their_submission_and_row``
shows), then asserted one by one.
"""

from __future__ import annotations

import pytest
from support import HEAVY_MODULES, refuse_imports

from scorecard import config, validation
from scorecard.model import ParsedSubmission, Problem, ReportedValue
from scorecard.vocabulary import Rule


def _row(code: str, value: float | None = None, numerator: float | None = None,
         denominator: float | None = None, invalid: set[str] | None = None) -> ReportedValue:
    """A workbook row of line 7: value in D7, numerator in E7, denominator in F7."""
    cells = {"indicator_code": "A7", "value": "D7", "numerator": "E7", "denominator": "F7"}
    return ReportedValue(code, value, numerator, denominator, cells=cells, invalid_fields=invalid or set())


def _ratio(numerator: float | None, denominator: float | None,
           invalid: set[str] | None = None) -> ReportedValue:
    value = 100 * numerator / denominator if numerator is not None and denominator else None
    return _row("ST_SPEND_SHARE", value, numerator, denominator, invalid)


def _submission(row: ReportedValue) -> ParsedSubmission:
    return ParsedSubmission("c01.xlsx", "xlsx", "C01", "2026-03", rows=[row])


def _found(submission: ParsedSubmission) -> list[tuple[str, str | None, str | None]]:
    return sorted((str(p.rule), p.cell, p.indicator_code) for p in submission.problems)


CASES = [
    # (case id, row, expected problems as (rule, cell, indicator_code))
    ("flow within range", _row("HTE_APPLY", 12), []),
    ("flow at both bounds", _row("HTE_APPLY", 500), []),
    ("zero is a figure", _row("HTE_APPLY", 0), []),
    ("negative flow", _row("HTE_APPLY", -1), [("negative_value", "D7", "HTE_APPLY")]),
    ("negative is not also out of range", _row("TECH_CONTRACT", -5_000_000),
     [("negative_value", "D7", "TECH_CONTRACT")]),
    ("above the maximum", _row("HTE_APPLY", 501), [("out_of_range", "D7", "HTE_APPLY")]),
    ("stock above the maximum", _row("HTE_TOTAL", 5000.5), [("out_of_range", "D7", "HTE_TOTAL")]),
    ("value the parser flagged is skipped", _row("HTE_APPLY", None, invalid={"value"}), []),
    ("unknown indicator is skipped", _row("NO_SUCH", -4, invalid={"indicator_code"}), []),
    ("ratio within range", _ratio(8.5, 100), []),
    ("ratio equal parts", _ratio(100, 100), []),
    ("numerator exceeds denominator", _ratio(120, 100),
     [("numerator_exceeds_denominator", "E7", "ST_SPEND_SHARE")]),
    ("zero denominator", _ratio(5, 0), [("zero_denominator", "F7", "ST_SPEND_SHARE")]),
    ("missing denominator", _ratio(5, None), [("zero_denominator", "F7", "ST_SPEND_SHARE")]),
    ("denominator the parser flagged is skipped", _ratio(5, None, invalid={"denominator"}), []),
    ("negative numerator", _ratio(-5, 100), [("negative_value", "E7", "ST_SPEND_SHARE")]),
    ("negative denominator", _ratio(5, -100), [("negative_value", "F7", "ST_SPEND_SHARE")]),
    ("both negative", _ratio(-50, -10),
     [("negative_value", "E7", "ST_SPEND_SHARE"), ("negative_value", "F7", "ST_SPEND_SHARE")]),
]


PARSER_PROBLEM = Problem(Rule.MISSING_VALUE, "缺少", "missing", indicator_code="HTE_TOTAL")
"""A problem the parser found before the suites ran."""


@pytest.fixture(scope="module")
def checked(catalog) -> dict[str, ParsedSubmission]:
    """One submission per case of CASES, and those of the message tests below, checked in one run."""
    batch = {case: _submission(row) for case, row, _ in CASES}
    batch["message"] = _submission(_row("HTE_APPLY", 1234.5))
    batch["after the parser"] = _submission(_row("HTE_APPLY", -1))
    batch["after the parser"].problems.append(PARSER_PROBLEM)
    validation.check_data(list(batch.values()), catalog)
    return batch


@pytest.mark.parametrize(("case", "expected"), [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_value_rules(checked: dict[str, ParsedSubmission], case: str,
                     expected: list[tuple[str, str, str]]) -> None:
    assert _found(checked[case]) == sorted(expected)


def test_failures_map_back_to_their_submission_and_row(catalog) -> None:
    clean = ParsedSubmission("clean.csv", "csv", "C01", "2026-03", rows=[
        ReportedValue("HTE_APPLY", 3, line=2), ReportedValue("HTE_TOTAL", 40, line=3)])
    faulty = ParsedSubmission("mixed.csv", "csv", "C02", "2026-03", rows=[
        ReportedValue("HTE_APPLY", 3, line=5),
        ReportedValue("HTE_TOTAL", -2, line=6),
        ReportedValue("TSME_REG", 3001, line=7),
    ])
    park = ParsedSubmission("p01.csv", "csv", "P01", "2026-03",
                            rows=[ReportedValue("PLATFORM_NEW", 900, line=9)])
    validation.check_data([clean, faulty, park], catalog)
    assert clean.problems == []
    assert [(p.rule, p.line, p.indicator_code) for p in faulty.problems] == [
        (Rule.NEGATIVE_VALUE, 6, "HTE_TOTAL"), (Rule.OUT_OF_RANGE, 7, "TSME_REG")]
    assert [(p.rule, p.line, p.indicator_code) for p in park.problems] == [
        (Rule.OUT_OF_RANGE, 9, "PLATFORM_NEW")]


def test_messages_are_bilingual_and_name_the_figures(checked: dict[str, ParsedSubmission]) -> None:
    (problem,) = checked["message"].problems
    assert "1234.5" in problem.message_zh and "500" in problem.message_zh
    assert "1234.5" in problem.message_en and "500" in problem.message_en
    assert "{" not in problem.message


def test_problems_are_appended_after_the_parser_ones(checked: dict[str, ParsedSubmission]) -> None:
    assert checked["after the parser"].problems[0] is PARSER_PROBLEM
    assert [p.rule for p in checked["after the parser"].problems] == [Rule.MISSING_VALUE, Rule.NEGATIVE_VALUE]


def test_nothing_to_check(catalog) -> None:
    empty = ParsedSubmission("empty.csv", "csv", "C01", "2026-03")
    validation.check_data([], catalog)
    validation.check_data([empty], catalog)
    assert empty.problems == []


def test_no_row_to_check_starts_no_great_expectations(catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows of unknown indicators only, and none at all: no suite could flag a row, so GX is not started."""
    unknown = ParsedSubmission("x.csv", "csv", "C01", "2026-03",
                               rows=[ReportedValue("NO_SUCH", -4, invalid_fields={"indicator_code"})])
    refuse_imports(monkeypatch, *HEAVY_MODULES)

    validation.check_data([unknown, ParsedSubmission("empty.csv", "csv")], catalog)

    assert unknown.problems == []


def test_large_batch_in_one_run(catalog) -> None:
    batch = [ParsedSubmission(f"f{n}.csv", "csv", "C01", "2026-03",
                              rows=[ReportedValue("HTE_APPLY", n % 7 - 1, line=2)]) for n in range(2000)]
    validation.check_data(batch, catalog)
    flagged = [n for n, s in enumerate(batch) if s.problems]
    assert flagged == [n for n in range(2000) if n % 7 == 0]


def test_every_suite_expectation_names_a_contract_rule() -> None:
    suites = validation.load_suites(config.expectations_dir())
    rules = {e.meta["rule_id"] for suite in suites for e in suite.expectations}
    assert rules == {Rule.NEGATIVE_VALUE, Rule.OUT_OF_RANGE, Rule.ZERO_DENOMINATOR,
                     Rule.NUMERATOR_EXCEEDS_DENOMINATOR}
