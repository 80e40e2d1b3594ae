"""Target files with impossible years or targets are rejected whole, naming the row, in CSV and xlsx alike."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner, Result

from scorecard import targets
from scorecard.catalog import Catalog, Indicator
from scorecard.cli import app
from scorecard.vocabulary import AppliesTo

HEADER = ("year", "unit_code", "indicator_code", "target")
GOOD = [(2026, "CITY", "PLATFORM_NEW", 35), (2026, "C05", "PLATFORM_NEW", 2)]
"""Rows 2 and 3 of every file; the row under test is row 4."""


def write_csv(path: Path, rows: list[tuple]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def write_xlsx(path: Path, rows: list[tuple]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER, *rows]:
        sheet.append(list(row))
    book.save(path)
    return path


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}

BAD_TARGETS = [
    ("C01", "HTE_APPLY", "inf"),
    ("C01", "HTE_APPLY", "-inf"),
    ("C01", "HTE_APPLY", "+Infinity"),
    ("C01", "HTE_APPLY", "nan"),
    ("C01", "HTE_APPLY", " NaN "),
    ("C01", "HTE_APPLY", "1e400"),
    ("C01", "HTE_APPLY", "-1e400"),
    ("C01", "HTE_APPLY", "-1"),
    ("C01", "HTE_APPLY", -0.5),
    ("C01", "HTE_APPLY", "ten"),
    ("C01", "HTE_APPLY", ""),
    ("C01", "HTE_APPLY", True),
    ("C01", "HTE_APPLY", 501),  # max_value 500 bounds any unit's year-to-date figure, December's too
    ("P04", "HTE_TOTAL", "5,001"),  # a stock's year-end level is its December figure
    ("CITY", "HTE_APPLY", 4501),  # 9 units × 500
    ("C01", "TECH_CONTRACT", 2000000.5),
    ("CITY", "TECH_CONTRACT", "1e300"),
    ("C01", "ST_SPEND_SHARE", 100.5),  # a percentage
    ("CITY", "ST_SPEND_SHARE", 150),  # a city ratio is a mean of the units' ratios
]

GOOD_TARGETS = [
    ("C01", "HTE_APPLY", 0),
    ("C01", "HTE_APPLY", 500),
    ("C01", "HTE_APPLY", "12.5"),
    ("P04", "HTE_TOTAL", "5,000"),
    ("CITY", "HTE_APPLY", 4500),
    ("CITY", "TECH_CONTRACT", "18,000,000"),
    ("C01", "ST_SPEND_SHARE", 100),
    ("CITY", "ST_SPEND_SHARE", 8.5),
]

BAD_YEARS = ["99999999999999999999", 1e20, "2026.5", 2026.5, "1e3", "", "二〇二六", "1999", 2101, "-2026",
             "inf", "nan", "2026-01", "20 26", True, "1" * 5000]

GOOD_YEARS = [(2026, 2026), ("2026", 2026), (" 2026 ", 2026), ("2026.0", 2026), (2026.0, 2026),
              ("２０２６", 2026), (2000, 2000), ("2100", 2100)]


def _check(tmp_path: Path, form: str, row: tuple, cat: Catalog) -> targets.TargetFile:
    return targets.read(WRITERS[form](tmp_path / f"targets.{form}", [*GOOD, row]), cat)


def _rejected_at_row_4(checked: targets.TargetFile) -> None:
    assert not checked.ok
    assert checked.verdict()["status"] == "rejected" and checked.verdict()["targets"] == 0
    assert [e["row"] for e in checked.errors] == [4]
    assert all(" / " in e["message"] for e in checked.errors)


@pytest.mark.parametrize("form", WRITERS)
@pytest.mark.parametrize(("unit", "code", "target"), BAD_TARGETS)
def test_an_impossible_target_rejects_the_file(catalog: Catalog, tmp_path: Path, form: str, unit: str,
                                               code: str, target: object) -> None:
    _rejected_at_row_4(_check(tmp_path, form, (2026, unit, code, target), catalog))


@pytest.mark.parametrize("form", WRITERS)
@pytest.mark.parametrize(("unit", "code", "target"), GOOD_TARGETS)
def test_a_plausible_target_loads(catalog: Catalog, tmp_path: Path, form: str, unit: str, code: str,
                                  target: object) -> None:
    checked = _check(tmp_path, form, (2026, unit, code, target), catalog)

    assert checked.ok, checked.errors
    assert checked.targets[-1] == targets.Target(2026, unit, code, float(str(target).replace(",", "")))


@pytest.mark.parametrize("form", WRITERS)
@pytest.mark.parametrize("year", BAD_YEARS)
def test_a_bad_year_rejects_the_file(catalog: Catalog, tmp_path: Path, form: str, year: object) -> None:
    checked = _check(tmp_path, form, (year, "C02", "HTE_APPLY", 8), catalog)

    _rejected_at_row_4(checked)
    assert "2000" in checked.errors[0]["message"] and "2100" in checked.errors[0]["message"]


@pytest.mark.parametrize("form", WRITERS)
@pytest.mark.parametrize(("year", "expected"), GOOD_YEARS)
def test_a_whole_year_in_range_loads(catalog: Catalog, tmp_path: Path, form: str, year: object,
                                     expected: int) -> None:
    checked = _check(tmp_path, form, (year, "C02", "HTE_APPLY", 8), catalog)

    assert checked.ok, checked.errors
    assert checked.targets[-1].year == expected


def test_every_faulty_row_is_named(catalog: Catalog, tmp_path: Path) -> None:
    rows = [*GOOD, ("2026.5", "C01", "TSME_REG", 10), (2026, "C02", "TSME_REG", "inf"),
            (2026, "C03", "TSME_REG", 3001), (2026, "C04", "TSME_REG", 20)]

    checked = targets.read(write_csv(tmp_path / "targets.csv", rows), catalog)

    assert [e["row"] for e in checked.errors] == [4, 5, 6]
    assert checked.errors[2]["unit_code"] == "C03" and checked.errors[2]["indicator_code"] == "TSME_REG"
    assert "3000" in checked.errors[2]["message"]


def test_rows_with_bad_years_are_not_reported_as_duplicates(catalog: Catalog, tmp_path: Path) -> None:
    rows = [*GOOD, ("x", "C01", "TSME_REG", 10), ("y", "C01", "TSME_REG", 10)]

    checked = targets.read(write_csv(tmp_path / "targets.csv", rows), catalog)

    assert [e["row"] for e in checked.errors] == [4, 5]
    assert not any("duplicate" in e["message"] for e in checked.errors)


def _with(cat: Catalog, indicator: Indicator) -> Catalog:
    return Catalog(indicators={**cat.indicators, indicator.code: indicator}, units=cat.units)


@pytest.mark.parametrize(("unit", "target", "ok"), [
    ("C01", 1e12, True), ("C01", 1.5e12, False), ("CITY", 1e12, True), ("CITY", 1e13, False)])
def test_without_max_value_an_absolute_ceiling_holds(catalog: Catalog, tmp_path: Path, unit: str,
                                                     target: float, ok: bool) -> None:
    cat = _with(catalog, dataclasses.replace(catalog.indicators["TSME_REG"], max_value=None))

    assert _check(tmp_path, "csv", (2026, unit, "TSME_REG", f"{target:f}"), cat).ok is ok


@pytest.mark.parametrize(("target", "ok"), [(2500, True), (2501, False)])
def test_a_city_bound_counts_the_units_an_indicator_applies_to(catalog: Catalog, tmp_path: Path,
                                                               target: int, ok: bool) -> None:
    county_only = dataclasses.replace(catalog.indicators["HTE_APPLY"], applies_to=AppliesTo.COUNTY)
    cat = _with(catalog, county_only)  # 5 counties of at most 500 each

    assert _check(tmp_path, "csv", (2026, "CITY", "HTE_APPLY", target), cat).ok is ok


def _load(file: Path, tmp_path: Path) -> Result:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    return CliRunner().invoke(app, ["load-targets", str(file), "--db", url, "--json"])


@pytest.mark.parametrize("row", [
    ("99999999999999999999", "C01", "HTE_APPLY", 10),
    ("1e400", "C01", "HTE_APPLY", 10),
    (2026, "C01", "HTE_APPLY", "inf"),
    (2026, "C01", "HTE_APPLY", "nan"),
    (2026, "C01", "HTE_APPLY", "1e400"),
    (2026, "CITY", "HTE_APPLY", "1e15"),
], ids=str)
def test_the_cli_rejects_an_impossible_row_without_a_traceback(tmp_path: Path, row: tuple) -> None:
    result = _load(write_csv(tmp_path / "targets.csv", [*GOOD, row]), tmp_path)

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # an uncaught error would exit 1 too
    report = json.loads(result.stdout)
    assert report["status"] == "rejected" and report["targets"] == 0
    assert [e["row"] for e in report["errors"]] == [4]
    assert "Traceback" not in result.output


def test_the_cli_loads_a_good_file(tmp_path: Path) -> None:
    result = _load(write_xlsx(tmp_path / "targets.xlsx", GOOD), tmp_path)

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"file": str(tmp_path / "targets.xlsx"), "status": "loaded",
                                         "targets": 2, "errors": []}
