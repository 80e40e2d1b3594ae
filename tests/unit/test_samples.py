"""The sample generator writes files to the contract: read back raw, through the parser, and ingested."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from pathlib import Path

import pytest
from openpyxl import load_workbook
from support import TODAY

from scorecard import catalog as catalog_module
from scorecard import parsing, samples
from scorecard.model import ParsedSubmission
from scorecard.vocabulary import Kind, Rule, Status

YEAR, THROUGH = 2026, 10
VALUE_RULES = frozenset({Rule.NEGATIVE_VALUE, Rule.OUT_OF_RANGE, Rule.ZERO_DENOMINATOR})
"""Checked by the expectation suites (validation.check_data), not by the parser."""
NAME = re.compile(r"^(\d{4}-\d{2})_([A-Z][A-Z0-9]*)(?:_(.+))?\.(xlsx|csv)$")


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory, catalog) -> Path:
    folder = tmp_path_factory.mktemp("samples")
    samples.generate_year(folder, catalog, YEAR, THROUGH)
    return folder


@pytest.fixture(scope="module")
def good_files(sample_dir: Path) -> list[Path]:
    return [p for p in sorted(sample_dir.iterdir()) if samples.intended_rule(p) is None]


@pytest.fixture(scope="module")
def parsed(good_files: list[Path], catalog) -> dict[Path, list[ParsedSubmission]]:
    return {p: parsing.parse_file(p.name, p.read_bytes(), catalog, TODAY) for p in good_files}


def _figures(parsed: dict[Path, list[ParsedSubmission]], skip: str = "") -> dict[tuple[str, str, str], tuple]:
    """(unit, period, indicator) → (value, numerator, denominator) of every parsed good file."""
    figures = {}
    for path, subs in parsed.items():
        if skip and skip in path.name:
            continue
        for sub in subs:
            for row in sub.rows:
                figures[(sub.unit_code, sub.period, row.indicator_code)] = (row.value, row.numerator,
                                                                            row.denominator)
    return figures


# --- names and forms -------------------------------------------------------------------------------


def test_names_sort_in_receiving_order(sample_dir: Path, catalog) -> None:
    names = sorted(p.name for p in sample_dir.iterdir())
    periods = [NAME.match(n).group(1) for n in names]
    assert periods == sorted(periods)
    assert periods[0] == f"{YEAR - 1}-12"
    assert {NAME.match(n).group(2) for n in names if n.startswith(f"{YEAR - 1}-12")} == set(catalog.units)
    assert names.index("2026-10_C02.xlsx") < names.index("2026-10_C02_correction.xlsx")


def test_every_bad_rule_has_one_distinct_file(sample_dir: Path) -> None:
    bad = [p for p in sample_dir.iterdir() if samples.intended_rule(p)]
    assert sorted(samples.intended_rule(p) for p in bad) == sorted(samples.BAD_RULES)
    assert len({p.read_bytes() for p in bad}) == len(bad)


def test_mostly_workbooks_and_some_csv_in_both_encodings(good_files: list[Path]) -> None:
    workbooks = [p for p in good_files if p.suffix == ".xlsx"]
    csvs = [p for p in good_files if p.suffix == ".csv"]
    assert len(workbooks) > 2 * len(csvs) > 0
    raw = [p.read_bytes() for p in csvs]
    assert any(b.startswith(b"\xef\xbb\xbf") for b in raw)
    gb18030 = [b for b in raw if not _is_utf8(b)]
    assert gb18030 and all("单位代码" in b.decode("gb18030") for b in gb18030)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_one_csv_holds_several_months(good_files: list[Path]) -> None:
    multi = [p for p in good_files if p.suffix == ".csv" and "_to_" in p.name]
    assert multi
    rows = list(csv.DictReader(io.StringIO(multi[0].read_text("utf-8-sig"))))
    assert len({r["period"] for r in rows}) == 3
    assert list(rows[0]) == list(samples.CSV_COLUMNS)


def _sheet(path: Path):
    book = load_workbook(path)
    for name in ("submission", "填报表"):
        if name in book.sheetnames:
            return book[name]
    return next(ws for ws in book.worksheets if ws.sheet_state == "visible")


def test_workbooks_have_the_metadata_block_and_the_table_header(good_files: list[Path]) -> None:
    labels = {"单位代码", "报告期", "unit_code", "period"}
    headers_seen = set()
    for path in (p for p in good_files if p.suffix == ".xlsx"):
        sheet = _sheet(path)
        rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
        header = next(i for i, r in enumerate(rows) if {"指标代码", "indicator_code"} & set(r))
        meta = {str(r[0]).strip().lower(): r[1] for r in rows[:header] if r and r[0] and len(r) > 1}
        assert len(labels & set(meta)) == 2, path.name
        unit = meta.get("单位代码") or meta.get("unit_code")
        assert unit == NAME.match(path.name).group(2)
        headers_seen.add(tuple(rows[header]))
        assert {"数值", "value"} & set(rows[header])
    assert len(headers_seen) >= 4, "column order and language vary between units"


def test_text_numbers_and_money_units_appear(good_files: list[Path]) -> None:
    texts, units = set(), set()
    for path in (p for p in good_files if p.suffix == ".xlsx"):
        for row in _sheet(path).iter_rows(values_only=True):
            texts.update(v for v in row if isinstance(v, str) and re.fullmatch(r"[\d,]+\.\d|[０-９]+", v))
            units.update(v for v in row if v in ("元", "亿元"))
    assert any("," in t for t in texts) and any(t[0] in "０１２３４５６７８９" for t in texts)
    assert units == {"元", "亿元"}


# --- through the parser ----------------------------------------------------------------------------


def test_every_good_sample_parses_without_problems(parsed: dict[Path, list[ParsedSubmission]]) -> None:
    problems = {p.name: [x.as_dict() for s in subs for x in s.problems] for p, subs in parsed.items()}
    assert {name: found for name, found in problems.items() if found} == {}


def test_parsed_figures_equal_the_generated_ones(parsed, catalog) -> None:
    """Text numbers, full-width digits, 元/亿元 and every layout come back as the true 万元 figures."""
    truth = samples.year_reports(catalog, YEAR, THROUGH)
    figures = _figures(parsed, skip="_correction")
    expected = {}
    for (unit, period), report in truth.items():
        for f in report.figures:
            expected[(unit, period, f.code)] = (f.value, f.numerator, f.denominator)
    assert figures.keys() == expected.keys()
    for key, (value, numerator, denominator) in expected.items():
        got = figures[key]
        if catalog.indicators[key[2]].kind == Kind.RATIO:
            assert got[1:] == (numerator, denominator), key
            assert got[0] == pytest.approx(100 * numerator / denominator), key
        elif key != ("C02", "2026-10", "TECH_CONTRACT"):  # understated first version
            assert got[0] == pytest.approx(value, abs=1e-6), key


def test_required_indicators_always_present_and_parks_never_give_the_ratio(parsed, catalog) -> None:
    for subs in parsed.values():
        for sub in subs:
            unit = catalog.units[sub.unit_code]
            codes = {r.indicator_code for r in sub.rows}
            required = {i.code for i in catalog.applicable(unit) if i.required}
            assert required <= codes, (sub.file, sub.period)
            assert codes <= {i.code for i in catalog.applicable(unit)}


def test_cumulative_figures_never_decrease_within_the_year(parsed, catalog) -> None:
    series: dict[tuple[str, str, int], list[tuple[str, float]]] = defaultdict(list)
    for (unit, period, code), (value, numerator, denominator) in sorted(_figures(parsed).items(),
                                                                          key=lambda kv: kv[0][1]):
        kind = catalog.indicators[code].kind
        if period.startswith(str(YEAR)) and kind == Kind.FLOW:
            series[(unit, code, 0)].append((period, value))
        elif period.startswith(str(YEAR)) and kind == Kind.RATIO:
            series[(unit, code, 1)].append((period, numerator))
            series[(unit, code, 2)].append((period, denominator))
    assert series
    for key, points in series.items():
        values = [v for _, v in points]
        assert values == sorted(values), key


def test_baselines_and_the_missing_latest_month(parsed, catalog) -> None:
    figures = _figures(parsed)
    last = list(catalog.units)[-1]
    for unit in catalog.units.values():
        for stock in (i for i in catalog.applicable(unit) if i.kind == Kind.STOCK and i.required):
            assert figures[(unit.code, f"{YEAR - 1}-12", stock.code)][0] > 0
    reported = {(u, p) for (u, p, _c) in figures}
    assert (last, f"{YEAR}-{THROUGH:02d}") not in reported
    assert all((u, f"{YEAR}-{THROUGH:02d}") in reported for u in catalog.units if u != last)


def test_correction_comes_later_with_a_higher_figure(parsed) -> None:
    by_name = {p.name: subs[0] for p, subs in parsed.items()}
    first, fixed = by_name["2026-10_C02.xlsx"], by_name["2026-10_C02_correction.xlsx"]
    assert fixed.submitted_at > first.submitted_at
    before = {r.indicator_code: r.value for r in first.rows}
    after = {r.indicator_code: r.value for r in fixed.rows}
    assert {c for c in after if after[c] != before[c]} == {"TECH_CONTRACT"}
    assert after["TECH_CONTRACT"] > before["TECH_CONTRACT"]


@pytest.mark.parametrize("rule", [r for r in samples.BAD_RULES
                                  if r not in VALUE_RULES and r not in samples.NEEDS_HISTORY])
def test_structural_bad_sample_has_exactly_its_rule(sample_dir: Path, catalog, rule: Rule) -> None:
    path = next(p for p in sample_dir.iterdir() if samples.intended_rule(p) == rule)
    subs = parsing.parse_file(path.name, path.read_bytes(), catalog, TODAY)
    assert {p.rule for s in subs for p in s.errors} == {rule}


def test_value_bad_samples_have_exactly_their_rule(sample_dir: Path, catalog) -> None:
    from scorecard import validation

    paths = [p for p in sorted(sample_dir.iterdir()) if samples.intended_rule(p) in VALUE_RULES]
    subs = [s for p in paths for s in parsing.parse_file(p.name, p.read_bytes(), catalog, TODAY)]
    assert not any(s.problems for s in subs)
    validation.check_data(subs, catalog)
    found = {Path(s.file).name: {p.rule for p in s.errors} for s in subs}
    assert found == {p.name: {samples.intended_rule(p)} for p in paths}


def test_generation_is_deterministic(tmp_path: Path, catalog) -> None:
    first = samples.generate_year(tmp_path / "a", catalog, YEAR, 2, bad_files=False, correction=False)
    again = samples.generate_year(tmp_path / "b", catalog, YEAR, 2, bad_files=False, correction=False)
    other = samples.generate_year(tmp_path / "c", catalog, YEAR, 2, seed=8, bad_files=False, correction=False)
    assert [p.name for p in first] == [p.name for p in again] == [p.name for p in other]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other]
    assert not any("_correction" in p.name for p in first)


# --- synthetic units for benchmarks ----------------------------------------------------------------


def test_synthetic_catalog_mixes_counties_and_parks() -> None:
    cat = samples.synthetic_catalog(30)
    types = [u.unit_type for u in cat.units.values()]
    assert len(cat.units) == 30 and types.count("park") == 10 and types.count("county") == 20
    assert cat.indicators == catalog_module.load_files().indicators


def test_a_year_for_another_catalog_uses_synthetic_targets_and_stays_clean(tmp_path: Path) -> None:
    cat = samples.synthetic_catalog(4)
    paths = samples.generate_year(tmp_path, cat, YEAR, 3)
    good = [p for p in paths if samples.intended_rule(p) is None]
    assert len(good) < len(paths)
    for path in good:
        subs = parsing.parse_file(path.name, path.read_bytes(), cat, TODAY)
        assert [p.as_dict() for s in subs for p in s.problems] == [], path.name


def test_written_catalog_reads_back_equal(tmp_path: Path) -> None:
    cat = samples.synthetic_catalog(7)
    assert catalog_module.load_files(samples.write_catalog(tmp_path / "catalog", cat)) == cat


def test_synthetic_months_parse_cleanly_and_accumulate(tmp_path: Path) -> None:
    cat = samples.synthetic_catalog(12)
    figures: dict[tuple[str, str], list[float]] = defaultdict(list)
    for period in ("2026-03", "2026-04"):
        paths = samples.generate_month(tmp_path / period, cat, period)
        assert len(paths) == 12 and {p.suffix for p in paths} == {".xlsx", ".csv"}
        for path in paths:
            (sub,) = parsing.parse_file(path.name, path.read_bytes(), cat, TODAY)
            assert sub.problems == [] and sub.period == period
            for row in sub.rows:
                if cat.indicators[row.indicator_code].kind != Kind.STOCK:
                    figures[(sub.unit_code, row.indicator_code)].append(row.numerator or row.value)
    assert all(len(v) == 2 and v[0] <= v[1] for v in figures.values())


def test_synthetic_targets_cover_what_units_report(tmp_path: Path) -> None:
    from scorecard import targets

    cat = samples.synthetic_catalog(6)
    rows = samples.synthetic_targets(cat, 2026)
    (path,) = samples.generate_month(tmp_path, cat, "2026-01", xlsx_every=0)[:1]
    (sub,) = parsing.parse_file(path.name, path.read_bytes(), cat, TODAY)
    targeted = {t.indicator_code for t in rows if t.unit_code == sub.unit_code}
    assert {r.indicator_code for r in sub.rows} == targeted
    read = targets.read(samples.write_targets(tmp_path / "targets.csv", rows), cat)
    assert read.ok and read.targets == rows


# --- the whole year, ingested ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def ingested(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The sample year ingested in receiving order into a fresh SQLite warehouse, and its 2026-10 snapshot."""
    from scorecard import ingest, receiving, snapshots, targets, warehouse

    folder = tmp_path_factory.mktemp("warehouse")
    engine = warehouse.engine(f"sqlite:///{folder / 'warehouse.db'}")
    cat = warehouse.init_db(engine)
    with engine.begin() as conn:
        targets.load(conn, targets.read(config_targets(), cat))
    report = ingest.ingest_files(engine, receiving.pending_files(engine, str(sample_dir)), today=TODAY,
                                 quarantine_root=str(folder / "quarantine"))
    verdicts = [{**e, "name": Path(e["file"]).name} for e in report.as_json()["submissions"]]
    snapshot = snapshots.take_and_load(engine, f"{YEAR}-{THROUGH:02d}", today=TODAY)
    engine.dispose()
    return verdicts, snapshot


def config_targets() -> Path:
    from scorecard import config

    return config.DEFAULTS_DIR / f"targets_{YEAR}.csv"


@pytest.mark.integration
def test_ingested_good_samples_are_all_accepted(ingested, catalog) -> None:
    verdicts, _ = ingested
    good = [v for v in verdicts if samples.intended_rule(v["name"]) is None]
    assert [(v["name"], v["errors"]) for v in good if v["status"] != "accepted"] == []
    assert {(v["unit_code"], v["period"]) for v in good} == set(samples.year_reports(catalog, YEAR, THROUGH))


@pytest.mark.integration
@pytest.mark.parametrize("rule", samples.BAD_RULES)
def test_ingested_bad_sample_is_rejected_for_exactly_its_rule(ingested, rule: Rule) -> None:
    verdicts, _ = ingested
    (verdict,) = [v for v in verdicts if samples.intended_rule(v["name"]) == rule]
    assert verdict["status"] == "rejected"
    assert {e["rule"] for e in verdict["errors"]} == {rule}


@pytest.mark.integration
def test_snapshot_of_the_sample_year_shows_every_status(ingested, catalog) -> None:
    _, snapshot = ingested
    assert snapshot.missing_units == [list(catalog.units)[-1]]
    assert {r.status for r in snapshot.rows} == set(Status)
    unit_status = {r.status for r in snapshot.rows if r.unit_code != "CITY" and r.target}
    assert {Status.ACHIEVED, Status.ON_TRACK, Status.BEHIND, Status.LAGGING} <= unit_status
    corrected = snapshot.row("C02", "TECH_CONTRACT")
    assert corrected.actual == samples.year_reports(catalog)[("C02", "2026-10")].figure("TECH_CONTRACT").value
