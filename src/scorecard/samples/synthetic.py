"""Synthetic national-scale data for benchmarks: any number of units, their catalog and targets, and every
unit's submission for a month, a pure function of (unit, indicator, month)."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable
from pathlib import Path

from scorecard import catalog as catalog_module
from scorecard import config
from scorecard.catalog import Catalog, Indicator, Unit
from scorecard.periods import Period
from scorecard.samples.layouts import HEADERS, META_LABELS, csv_bytes, save_workbook, write_file
from scorecard.samples.submission import CONTACTS, Figure, SampleSubmission, rounded, sending_time
from scorecard.targets import Target
from scorecard.vocabulary import Kind, UnitType


def synthetic_target(indicator: Indicator, unit_code: str, seed: int = 7) -> float:
    """A plausible annual target for a unit without one (in the indicator's measure unit)."""
    rng = random.Random(f"target:{seed}:{unit_code}:{indicator.code}")
    if indicator.kind == Kind.RATIO:
        return round(rng.uniform(5.0, 10.0), 1)
    top = indicator.max_value or 1000.0
    return max(1.0, rounded(indicator, top * rng.uniform(0.005, 0.03)))


def synthetic_catalog(n_units: int, indicators_dir: Path | None = None) -> Catalog:
    """The default indicators and ``n_units`` synthetic units, two counties for every park."""
    base = catalog_module.load_files(indicators_dir or config.DEFAULTS_DIR)
    units = [
        Unit(f"S{n:05d}", f"合成单位{n:05d}", f"Synthetic unit {n:05d}",
             UnitType.PARK if n % 3 == 0 else UnitType.COUNTY, f"s{n:05d}@example.org")
        for n in range(1, n_units + 1)
    ]
    return catalog_module.build(base.indicators.values(), units)


def _plain(value: object) -> object:
    """A float as a catalog writes it: ``2000000``, not ``2e+06``."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value


def write_catalog(folder: Path, catalog: Catalog) -> Path:
    """Write ``indicators.csv`` and ``units.csv`` (contract §1) of ``catalog`` into ``folder``.

    Point ``SCORECARD_CATALOG_DIR`` at the folder to load a synthetic catalog into a warehouse.
    """
    folder.mkdir(parents=True, exist_ok=True)
    indicators = [{**i.as_row(), "required": "yes" if i.required else "no"}
                  for i in catalog.indicators.values()]
    units = [u.as_row() for u in catalog.units.values()]
    for name, rows in (("indicators.csv", indicators), ("units.csv", units)):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else _plain(v) for k, v in row.items()} for row in rows)
        write_file(folder / name, out.getvalue().encode("utf-8"))
    return folder


def _synthetic_reported(catalog: Catalog, unit: Unit, position: int) -> list[Indicator]:
    """Required applicable indicators, and the optional ones for every other unit."""
    return [i for i in catalog.applicable(unit) if i.required or position % 2 == 0]


def synthetic_targets(catalog: Catalog, year: int, seed: int = 7) -> list[Target]:
    """A target for every (unit, indicator) that :func:`generate_month` reports."""
    return [
        Target(year, unit.code, indicator.code, synthetic_target(indicator, unit.code, seed))
        for position, unit in enumerate(catalog.units.values())
        for indicator in _synthetic_reported(catalog, unit, position)
    ]


def write_targets(path: Path, targets: Iterable[Target]) -> Path:
    """Write targets as a target CSV (contract §1)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("year", "unit_code", "indicator_code", "target"))
    writer.writerows((t.year, t.unit_code, t.indicator_code, f"{t.target:g}") for t in targets)
    return write_file(path, out.getvalue().encode("utf-8"))


def synthetic_report(catalog: Catalog, unit: Unit, position: int, period: str,
                     seed: int = 7) -> SampleSubmission:
    """A unit's submission for ``period``: a pure function of (unit, indicator, month), cumulative."""
    month_of = Period.parse(period)
    year, month = month_of.year, month_of.month
    pace = random.Random(f"pace:{seed}:{unit.code}").uniform(0.8, 1.2)
    figures = []
    for indicator in _synthetic_reported(catalog, unit, position):
        target = synthetic_target(indicator, unit.code, seed)
        if indicator.kind == Kind.FLOW:
            figures.append(Figure(indicator.code, rounded(indicator, target * pace * indicator.share(month))))
        elif indicator.kind == Kind.STOCK:
            level = target * (0.85 + 0.15 * pace * month / 12)
            figures.append(Figure(indicator.code, rounded(indicator, level)))
        else:
            denominator = round(40_000.0 * month, 1)
            numerator = round(denominator * target * pace / 100, 1)
            figures.append(Figure(indicator.code, None, numerator, denominator))
    rng = random.Random(f"when:{seed}:{unit.code}:{period}")
    return SampleSubmission(unit.code, period, sending_time(year, month, rng),
                            CONTACTS[position % len(CONTACTS)], tuple(figures))


def _fast_workbook(submission: SampleSubmission, catalog: Catalog) -> bytes:
    """A small .xlsx written in openpyxl's write-only mode."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("填报表")
    labels, headers = META_LABELS["zh"], HEADERS["zh"]
    sheet.append([labels["unit_code"], submission.unit_code])
    sheet.append([labels["period"], submission.period])
    sheet.append([labels["submitted_at"], submission.submitted_at.strftime("%Y-%m-%d %H:%M:%S")])
    sheet.append([])
    columns = ("indicator_code", "value", "numerator", "denominator")
    sheet.append([headers[c] for c in columns])
    for figure in submission.figures:
        sheet.append([figure.code, figure.value, figure.numerator, figure.denominator])
    return save_workbook(book, submission.submitted_at)


def generate_month(out_dir: Path, catalog: Catalog, period: str, seed: int = 7, xlsx_every: int = 2
                   ) -> list[Path]:
    """Every unit's submission for ``period``: every ``xlsx_every``-th unit a workbook, the others CSV.

    Figures are cumulative across calls for successive months, so a benchmark can ingest month after
    month of the same synthetic units.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for position, unit in enumerate(catalog.units.values()):
        submission = synthetic_report(catalog, unit, position, period, seed)
        if xlsx_every and position % xlsx_every == 0:
            paths.append(write_file(out_dir / f"{period}_{unit.code}.xlsx",
                                    _fast_workbook(submission, catalog)))
        else:
            paths.append(write_file(out_dir / f"{period}_{unit.code}.csv", csv_bytes([submission], catalog)))
    return paths
