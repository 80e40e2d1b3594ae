"""A clerk fixes a rejected file using only its feedback workbook, and ``scorecard validate`` accepts it.

For each rule a bad sample file trips (``samples.BAD_RULES``), the test reads the feedback's problems sheet
(rule, the linked cell, the indicator, what is wrong, how to fix it) and does what it says to the marked
copy of the clerk's own workbook (for a CSV: to the CSV's lines, as the data sheet shows them). All the
clerk brings is what a clerk knows anyway: their unit code, the month they report, and their true figures.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from openpyxl import load_workbook
from typer.testing import CliRunner

from scorecard import feedback, samples, validation
from scorecard.catalog import Catalog
from scorecard.cli import app
from scorecard.parsing.labels import LABELS, NUMBER_FIELDS, label_key
from scorecard.samples.bad_files import write_bad_files
from scorecard.samples.year import year_reports
from scorecard.vocabulary import Rule

YEAR, THROUGH, SEED = 2026, 10, 7
NO_FEEDBACK = {Rule.UNREADABLE_FILE}  # nothing to mark in a file that cannot be opened: the email explains
NEEDS_HISTORY = {Rule.CUMULATIVE_DECREASE}  # validate without a warehouse cannot see it (contract §5)


@dataclass(frozen=True)
class Listed:
    """One row of the feedback's problems sheet."""

    rule: Rule
    sheet: str | None
    cell: str | None
    indicator: str | None
    message: str
    fix: str


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> dict[Rule, Path]:
    reports = year_reports(catalog, YEAR, THROUGH, SEED)
    paths = write_bad_files(tmp_path_factory.mktemp("bad"), catalog, reports, YEAR, THROUGH, SEED,
                            avoid(catalog))
    found = {r: p for p in paths if (r := samples.intended_rule(p)) is not None}
    return {**found, **more_bad_files(tmp_path_factory.mktemp("more"), catalog, reports)}


def more_bad_files(folder: Path, catalog: Catalog,
                   reports: dict[tuple[str, str], samples.SampleSubmission]) -> dict[Rule, Path]:
    """Bad files for the error rules the samples leave out (a county's report of the last month)."""
    from dataclasses import replace

    unit = next(u.code for u in catalog.units.values() if u.unit_type == "county")
    period = f"{YEAR}-{THROUGH:02d}"
    true = reports[(unit, period)]
    ratio = next(f for f in true.figures if f.numerator is not None)
    swapped = replace(ratio, numerator=ratio.denominator, denominator=ratio.numerator)
    made = {
        Rule.FUTURE_PERIOD: samples.workbook_bytes(true, catalog, meta_override={"period": "2099-12"}),
        Rule.NUMERATOR_EXCEEDS_DENOMINATOR: samples.workbook_bytes(true.with_figure(swapped), catalog),
    }
    return {rule: _write(folder / f"{period}_{unit}_bad-{rule}.xlsx", data) for rule, data in made.items()}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def avoid(catalog: Catalog) -> set[str]:
    """The unit that has not reported the last month yet (as the sample year leaves it out)."""
    return {list(catalog.units)[-1]}


def clerk_knows(catalog: Catalog, rule: Rule, path: Path) -> tuple[str, str, dict[str, samples.Figure]]:
    """The clerk's unit, month and true figures (which unit sent a bad file: as ``write_bad_files`` picks)."""
    period = path.name[:7]
    unit = path.name.split("_")[1]
    if unit not in catalog.units:
        units = [u for u in catalog.units.values() if u.code not in avoid(catalog)]
        unit = units[samples.BAD_RULES.index(rule) % len(units)].code
    truth = year_reports(catalog, YEAR, THROUGH, SEED)[(unit, period)]
    return unit, period, {f.code: f for f in truth.figures}


def problems_sheet(book: bytes) -> list[Listed]:
    sheet = load_workbook(io.BytesIO(book))[feedback.PROBLEMS_SHEET]
    listed = []
    for row in list(sheet.iter_rows())[1:]:
        cells = dict(zip(feedback.HEADER, row, strict=False))
        link = cells["位置 location"].hyperlink
        where = link.location.rsplit("!", 1) if link is not None and link.location else [None, None]
        listed.append(Listed(Rule(cells["规则 rule"].value), (where[0] or "").strip("'") or None, where[1],
                             cells["指标 indicator"].value, cells["说明 message"].value,
                             cells["如何修改 how to fix"].value))
    return listed


def columns(rows: list[list[object]]) -> tuple[int, dict[str, int]]:
    """The table's header row (0-based) and its columns by field name."""
    for n, row in enumerate(rows):
        found = {LABELS.get(label_key(v), ""): c for c, v in enumerate(row) if isinstance(v, str)}
        if "indicator_code" in found and ("value" in found):
            return n, found
    raise AssertionError("no table header")


def row_of(ref: str) -> int:
    return int("".join(ch for ch in ref if ch.isdigit())) - 1


def apply_fixes(rows: list[list[object]], listed: list[Listed], catalog: Catalog, unit: str, period: str,
                truth: dict[str, samples.Figure]) -> list[list[object]]:
    """Do what each listed problem's fix says, on the sheet's rows (0-based lists)."""
    width = max(len(r) for r in rows)
    rows = [list(r) + [None] * (width - len(r)) for r in rows]
    deleted: list[int] = []
    for p in listed:
        fix = p.fix
        if p.rule == Rule.MISSING_METADATA:
            assert "报告期" in p.message and "A 列" in p.message, p.message  # which label, and where
            header, _ = columns(rows)
            free = next((n for n in range(header) if not any(rows[n])), None)
            if free is None:
                rows.insert(header, [None] * width)
                free = header
            rows[free][:2] = ["报告期", period]
            continue
        assert p.cell is not None, f"{p.rule}: the feedback links no cell to fix"
        at = row_of(p.cell)
        if p.rule == Rule.UNKNOWN_UNIT:
            assert "单位代码" in fix
            rows[at][1] = unit
        elif p.rule in (Rule.BAD_PERIOD, Rule.FUTURE_PERIOD):
            assert "报告期" in fix
            rows[at][1] = period
        elif p.rule in (Rule.UNKNOWN_INDICATOR, Rule.DUPLICATE_INDICATOR):
            assert "删除该行" in fix or "只保留一行" in fix
            deleted.append(at)
        elif p.rule == Rule.NOT_APPLICABLE:
            assert "删除该行的数值" in fix
            _, found = columns(rows)
            for name in NUMBER_FIELDS:
                if name in found:
                    rows[at][found[name]] = None
        else:  # the figure is wrong or missing: type the true one where it is marked, in the catalog's unit
            assert p.indicator and p.indicator in truth, p
            _, found = columns(rows)
            figure = truth[p.indicator]
            for name in NUMBER_FIELDS:
                if name in found:
                    rows[at][found[name]] = getattr(figure, name)
            if "measure_unit" in found:
                rows[at][found["measure_unit"]] = catalog.indicators[p.indicator].measure_unit
    return [r for n, r in enumerate(rows) if n not in deleted]


def fix_workbook(book: bytes, listed: list[Listed], fix: dict[str, object], out: Path) -> Path:
    """The feedback's marked copy, fixed, saved as the clerk would send it back."""
    copy = load_workbook(io.BytesIO(book))
    [name] = [s for s in copy.sheetnames if s != feedback.PROBLEMS_SHEET]
    sheet = copy[name]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    fixed = apply_fixes(rows, listed, **fix)  # type: ignore[arg-type]
    sheet.delete_rows(1, sheet.max_row)
    for row in fixed:
        sheet.append(row)
    copy.save(out)
    return out


def fix_csv(book: bytes, listed: list[Listed], fix: dict[str, object], out: Path) -> Path:
    """The clerk's CSV with the lines the data sheet marks fixed."""
    data = load_workbook(io.BytesIO(book))[feedback.DATA_SHEET]
    rows = [list(r) for r in data.iter_rows(values_only=True)]
    fixed = apply_fixes(rows, listed, **fix)  # type: ignore[arg-type]
    text = io.StringIO()
    csv.writer(text).writerows(["" if v is None else v for v in r] for r in fixed if any(r))
    out.write_text(text.getvalue(), encoding="utf-8")
    return out


def scorecard(tmp_path: Path, *args: str) -> Result:
    """``scorecard ARGS`` in-process, its data folder in ``tmp_path`` and no other SCORECARD_* setting."""
    unset: dict[str, str | None] = {name: None for name in os.environ if name.startswith("SCORECARD_")}
    env = {**unset, "SCORECARD_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner(env=env).invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def validate(path: Path, tmp_path: Path, *args: str) -> dict[str, object]:
    result = scorecard(tmp_path, "validate", str(path), "--json", *args)
    answer: dict[str, object] = json.loads(result.stdout)
    return answer


FIXABLE = [r for r in Rule if r.severity == "error" and r not in NO_FEEDBACK | NEEDS_HISTORY]


def test_every_error_rule_is_covered() -> None:
    assert set(FIXABLE) | NO_FEEDBACK | NEEDS_HISTORY == {r for r in Rule if r.severity == "error"}


@pytest.mark.parametrize("rule", FIXABLE)
def test_a_clerk_fixes_the_file_from_its_feedback(rule: Rule, bad_files: dict[Rule, Path], catalog: Catalog,
                                                  tmp_path: Path) -> None:
    if rule not in bad_files:
        pytest.skip(f"the sample catalog gives no bad file for {rule}")
    path = bad_files[rule]
    subs = validation.validate_file(str(path), catalog)
    assert rule in {p.rule for s in subs for p in s.errors}
    book = feedback.feedback_workbook(path.read_bytes(), subs)
    assert book is not None
    listed = problems_sheet(book)
    assert rule in {p.rule for p in listed} and all(p.fix for p in listed)
    unit, period, truth = clerk_knows(catalog, rule, path)
    fix = {"catalog": catalog, "unit": unit, "period": period, "truth": truth}
    fixer = fix_csv if path.suffix == ".csv" else fix_workbook
    fixed = fixer(book, listed, fix, tmp_path / f"fixed{path.suffix}")

    answer = validate(fixed, tmp_path)

    assert (answer["status"], answer["errors"]) == ("accepted", [])
    assert (answer["unit_code"], answer["period"]) == (unit, period)


def test_a_clerk_fixes_a_decrease_against_the_months_in_force(bad_files: dict[Rule, Path], catalog: Catalog,
                                                              tmp_path: Path) -> None:
    """cumulative_decrease needs history: the month before is ingested into a warehouse first."""
    from scorecard import warehouse
    from scorecard.periods import Period

    path = bad_files[Rule.CUMULATIVE_DECREASE]
    unit, period, truth = clerk_knows(catalog, Rule.CUMULATIVE_DECREASE, path)
    earlier = year_reports(catalog, YEAR, THROUGH, SEED)[(unit, str(Period.parse(period).previous()))]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / f"{earlier.period}_{unit}.xlsx").write_bytes(samples.workbook_bytes(earlier, catalog))
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    scorecard(tmp_path, "ingest", str(inbox), "--workers", "1", "--db", url, "--json")
    with warehouse.open_engine(url).connect() as conn:
        subs = validation.validate_file(str(path), catalog, conn)
    assert Rule.CUMULATIVE_DECREASE in {p.rule for s in subs for p in s.errors}
    book = feedback.feedback_workbook(path.read_bytes(), subs)
    assert book is not None
    listed = problems_sheet(book)
    fix = {"catalog": catalog, "unit": unit, "period": period, "truth": truth}
    fixed = fix_workbook(book, listed, fix, tmp_path / "fixed.xlsx")

    answer = validate(fixed, tmp_path, "--db", url)

    assert (answer["status"], answer["errors"]) == ("accepted", [])


def test_an_unreadable_file_gets_no_feedback_workbook_only_the_email_hint(bad_files: dict[Rule, Path],
                                                                         catalog: Catalog) -> None:
    """Finding: a damaged file cannot be marked up; the clerk fixes it by sending an intact file again."""
    from scorecard.labels import RULE_HINTS

    path = bad_files[Rule.UNREADABLE_FILE]
    subs = validation.validate_file(str(path), catalog)
    assert {p.rule for s in subs for p in s.errors} == {Rule.UNREADABLE_FILE}
    assert feedback.feedback_workbook(path.read_bytes(), subs) is None
    assert "未损坏" in RULE_HINTS[Rule.UNREADABLE_FILE]
