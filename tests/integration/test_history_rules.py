"""Cross-period rules of contract §3 against a real warehouse (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from scorecard import validation, warehouse
from scorecard.model import ParsedSubmission, Problem, ReportedValue
from scorecard.vocabulary import Rule

Figure = float | tuple[float, float]
"""A flow or stock value, or a ratio's (numerator, denominator)."""


def _store(conn: sa.Connection, unit: str, period: str, figures: dict[str, Figure],
           status: str = "accepted", in_force: bool = True) -> None:
    """Put one submission with its reported values into the warehouse, as the loader would."""
    tables = sa.MetaData()
    files, subs, values = (sa.Table(t, tables, autoload_with=conn)
                           for t in ("received_files", "submissions", "reported_values"))
    now = datetime(2026, 11, 1, 8, 0)
    earlier = conn.execute(sa.select(sa.func.count()).select_from(subs).where(
        subs.c.unit_code == unit, subs.c.period == period)).scalar_one()
    file_id = conn.execute(files.insert().returning(files.c.file_id), {
        "uri": f"{unit}-{period}.xlsx", "sha256": f"{unit}{period}{status}{in_force}".ljust(64, "0"),
        "size_bytes": 100, "received_at": now, "outcome": status}).scalar_one()
    submission_id = conn.execute(subs.insert().returning(subs.c.submission_id), {
        "file_id": file_id, "unit_code": unit, "period": period, "year": int(period[:4]),
        "month": int(period[5:]), "received_at": now, "status": status, "version": earlier + 1,
        "in_force": in_force, "errors": [], "warnings": []}).scalar_one()
    conn.execute(values.insert(), [
        {"submission_id": submission_id, "indicator_code": code,
         **({"numerator": f[0], "denominator": f[1], "value": 100 * f[0] / f[1]} if isinstance(f, tuple)
            else {"value": f, "numerator": None, "denominator": None})}
        for code, f in figures.items()])


def _snapshot(conn: sa.Connection, period: str, version: int = 1) -> None:
    conn.execute(sa.text("insert into snapshots (period, version, taken_at, fingerprint, threshold) "
                         "values (:period, :version, :taken_at, 'x', 0.1)"),
                 {"period": period, "version": version, "taken_at": datetime(2026, 4, 5, 9, 30)})


def _new(unit: str, period: str, figures: dict[str, Figure]) -> ParsedSubmission:
    """A freshly parsed workbook: row n + 7 holds value in D, numerator in E, denominator in F."""
    rows = []
    for n, (code, f) in enumerate(figures.items()):
        cells = {k: f"{col}{n + 7}" for k, col in
                 (("indicator_code", "A"), ("value", "D"), ("numerator", "E"), ("denominator", "F"))}
        if isinstance(f, tuple):
            rows.append(ReportedValue(code, 100 * f[0] / f[1], f[0], f[1], cells=cells))
        else:
            rows.append(ReportedValue(code, f, cells=cells))
    return ParsedSubmission(f"{unit}-{period}-new.xlsx", "xlsx", unit, period, rows=rows)


def _history(engine: sa.Engine, stored: list[tuple], *new: ParsedSubmission) -> list[ParsedSubmission]:
    with engine.begin() as conn:
        for args in stored:
            _store(conn, *args)
    with engine.connect() as conn:
        validation.check_history(conn, list(new), warehouse.read_catalog(conn))
    return list(new)


def _found(problems: list[Problem]) -> list[tuple[str, str | None, str | None]]:
    return sorted((str(p.rule), p.cell, p.indicator_code) for p in problems)


CASES = [
    # (case id, warehouse content, new submission, expected (rule, cell, indicator), words in the message)
    ("flow below an earlier month", [("C01", "2026-02", {"HTE_APPLY": 10})],
     ("C01", "2026-03", {"HTE_APPLY": 8}), [("cumulative_decrease", "D7", "HTE_APPLY")], ["2026-02", "10"]),
    ("flow above a later month", [("C01", "2026-06", {"HTE_APPLY": 10})],
     ("C01", "2026-03", {"HTE_APPLY": 12}), [("cumulative_decrease", "D7", "HTE_APPLY")], ["2026-06", "10"]),
    ("names the nearest offending month", [("C01", "2026-01", {"HTE_APPLY": 9}),
                                           ("C01", "2026-02", {"HTE_APPLY": 10})],
     ("C01", "2026-03", {"HTE_APPLY": 8}), [("cumulative_decrease", "D7", "HTE_APPLY")], ["2026-02"]),
    ("ratio numerator below an earlier month", [("C01", "2026-02", {"ST_SPEND_SHARE": (50, 1000)})],
     ("C01", "2026-03", {"ST_SPEND_SHARE": (40, 1200)}),
     [("cumulative_decrease", "E7", "ST_SPEND_SHARE")], ["2026-02", "50"]),
    ("ratio denominator below an earlier month", [("C01", "2026-02", {"ST_SPEND_SHARE": (50, 1000)})],
     ("C01", "2026-03", {"ST_SPEND_SHARE": (60, 900)}),
     [("cumulative_decrease", "F7", "ST_SPEND_SHARE")], ["1000"]),
    ("ratio falling share with growing parts is fine", [("C01", "2026-02", {"ST_SPEND_SHARE": (50, 500)})],
     ("C01", "2026-03", {"ST_SPEND_SHARE": (60, 1000)}), [], []),
    ("flow growing or equal is fine", [("C01", "2026-02", {"HTE_APPLY": 10}),
                                       ("C01", "2026-05", {"HTE_APPLY": 14})],
     ("C01", "2026-03", {"HTE_APPLY": 10}), [], []),
    ("a new year starts again", [("C01", "2025-12", {"HTE_APPLY": 100})],
     ("C01", "2026-01", {"HTE_APPLY": 5}), [], []),
    ("another unit is not compared", [("C02", "2026-02", {"HTE_APPLY": 100})],
     ("C01", "2026-03", {"HTE_APPLY": 5}), [], []),
    ("a superseded version is not compared", [("C01", "2026-02", {"HTE_APPLY": 100}, "accepted", False),
                                              ("C01", "2026-02", {"HTE_APPLY": 4})],
     ("C01", "2026-03", {"HTE_APPLY": 5}), [], []),
    ("a rejected submission is not compared", [("C01", "2026-02", {"HTE_APPLY": 100}, "rejected", False)],
     ("C01", "2026-03", {"HTE_APPLY": 5}), [], []),
    ("a resubmission is compared with other months only", [("C01", "2026-03", {"HTE_APPLY": 100})],
     ("C01", "2026-03", {"HTE_APPLY": 5}), [], []),
    ("stock up by more than half", [("C01", "2026-02", {"HTE_TOTAL": 100})],
     ("C01", "2026-03", {"HTE_TOTAL": 151}), [("large_change", "D7", "HTE_TOTAL")],
     ["2026-02", "100", "151"]),
    ("stock down by more than half", [("C01", "2026-02", {"HTE_TOTAL": 100})],
     ("C01", "2026-03", {"HTE_TOTAL": 49}), [("large_change", "D7", "HTE_TOTAL")], ["2026-02"]),
    ("stock moving by half exactly is fine", [("C01", "2026-02", {"HTE_TOTAL": 100})],
     ("C01", "2026-03", {"HTE_TOTAL": 150}), [], []),
    ("stock compared with the previous month only", [("C01", "2026-01", {"HTE_TOTAL": 100}),
                                                    ("C01", "2026-02", {"HTE_TOTAL": 200})],
     ("C01", "2026-03", {"HTE_TOTAL": 210}), [], []),
    ("stock compared across the new year", [("C01", "2025-12", {"HTE_TOTAL": 100})],
     ("C01", "2026-01", {"HTE_TOTAL": 200}), [("large_change", "D7", "HTE_TOTAL")], ["2025-12"]),
    ("stock appearing from zero", [("C01", "2026-02", {"INCUBATOR_NATIONAL": 0})],
     ("C01", "2026-03", {"INCUBATOR_NATIONAL": 2}), [("large_change", "D7", "INCUBATOR_NATIONAL")], ["0"]),
    ("stock not reported last month is not compared", [("C01", "2026-01", {"HTE_TOTAL": 100}),
                                                      ("C01", "2026-02", {"HTE_APPLY": 1})],
     ("C01", "2026-03", {"HTE_TOTAL": 300}), [], []),
    ("stock resubmission compared with the month before", [("C01", "2026-02", {"HTE_TOTAL": 100}),
                                                          ("C01", "2026-03", {"HTE_TOTAL": 300})],
     ("C01", "2026-03", {"HTE_TOTAL": 110}), [], []),
    ("first submission ever", [], ("C01", "2026-03", {"HTE_TOTAL": 300, "HTE_APPLY": 5}), [], []),
]


@pytest.mark.parametrize(("stored", "new", "expected", "words"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_history_rules(engine: sa.Engine, stored: list[tuple], new: tuple, expected: list[tuple],
                       words: list[str]) -> None:
    (submission,) = _history(engine, stored, _new(*new))
    assert _found(submission.problems) == expected
    for problem in submission.problems:
        assert all(w in problem.message_zh and w in problem.message_en for w in words)
    assert all(p.severity == Rule(p.rule).severity for p in submission.problems)


def test_late_submission_after_the_snapshot(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        _snapshot(conn, "2026-03")
        _snapshot(conn, "2026-03", version=2)
    late, timely = _history(engine, [], _new("C01", "2026-03", {"HTE_APPLY": 3}),
                            _new("C02", "2026-04", {"HTE_APPLY": 3}))
    assert [(p.rule, p.cell, p.indicator_code) for p in late.problems] == [(Rule.LATE_SUBMISSION, None, None)]
    assert "2026-03" in late.problems[0].message_en and "version 2" in late.problems[0].message_en
    assert late.errors == [] and late.status == "accepted"
    assert timely.problems == []


def test_a_batch_is_checked_in_a_few_queries(engine: sa.Engine) -> None:
    units = ("C01", "C02", "P01")
    stored = [(unit, f"2026-{m:02d}", {"HTE_APPLY": 10 * m, "HTE_TOTAL": 100}) for unit in units
              for m in (1, 2, 6)]
    batch = [_new(unit, f"2026-{m:02d}", {"HTE_APPLY": 15, "HTE_TOTAL": 100}) for unit in units
             for m in (3, 4, 5)] + [_new("C03", "2026-03", {"HTE_APPLY": 1})]
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    _history(engine, stored, *batch)
    checked = [s for s in statements if "from submissions" in s or "from snapshots" in s]
    assert len(checked) == 3
    for submission in batch[:-1]:
        assert _found(submission.problems) == [("cumulative_decrease", "D7", "HTE_APPLY")]
        assert "2026-02" in submission.problems[0].message_en
    assert batch[-1].problems == []


@pytest.mark.parametrize(("unit", "period", "earlier_rule"), [
    (None, "2026-03", Rule.MISSING_METADATA),
    ("C01", None, Rule.MISSING_METADATA),
    ("XX9", "2026-03", Rule.UNKNOWN_UNIT),
    ("C01", "2026-13", Rule.BAD_PERIOD),
])
def test_no_history_without_a_unit_and_a_period(engine: sa.Engine, unit: str | None, period: str | None,
                                                earlier_rule: Rule) -> None:
    submission = ParsedSubmission("x.xlsx", "xlsx", unit, period, rows=[ReportedValue("HTE_APPLY", 1)],
                                  problems=[Problem(earlier_rule, "…", "…")])
    (checked,) = _history(engine, [("C01", "2026-02", {"HTE_APPLY": 100})], submission)
    assert [p.rule for p in checked.problems] == [earlier_rule]


def test_fields_the_parser_flagged_are_skipped(engine: sa.Engine) -> None:
    submission = _new("C01", "2026-03", {"HTE_APPLY": 1, "ST_SPEND_SHARE": (1, 2)})
    submission.rows[0].invalid_fields.add("value")
    submission.rows[1].invalid_fields.add("numerator")
    (checked,) = _history(engine, [("C01", "2026-02", {"HTE_APPLY": 100, "ST_SPEND_SHARE": (50, 100)})],
                          submission)
    assert _found(checked.problems) == [("cumulative_decrease", "F8", "ST_SPEND_SHARE")]
