"""The sample city's year: every unit's true submissions from December of the year before, written in each
unit's layout, with one correction and the deliberately bad files.

Figures follow the annual targets at a pace that differs by unit (some ahead, some behind, a couple clearly
lagging), so that a snapshot of the generated year shows every status.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from scorecard import config
from scorecard.catalog import Catalog, Indicator
from scorecard.periods import Period
from scorecard.samples.bad_files import money_flow, write_bad_files
from scorecard.samples.layouts import (
    UNIT_STYLES,
    CsvStyle,
    WorkbookStyle,
    csv_bytes,
    workbook_bytes,
    write_file,
)
from scorecard.samples.submission import (
    CONTACTS,
    Figure,
    SampleSubmission,
    rounded,
    sending_time,
)
from scorecard.samples.synthetic import synthetic_target, synthetic_targets
from scorecard.vocabulary import Kind

_PACES = (1.22, 1.04, 0.95, 0.82, 0.97, 1.08, 1.0, 0.78, 0.93)
"""Pace of the nth unit against its targets: > 1 ahead, < 0.9 lagging."""


def read_targets(path: Path) -> dict[tuple[str, str], float]:
    """``(unit_code, indicator_code) → target`` of a target CSV (contract §1)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {(r["unit_code"], r["indicator_code"]): float(r["target"]) for r in csv.DictReader(handle)}


def default_targets(catalog: Catalog, year: int, seed: int = 7) -> dict[tuple[str, str], float]:
    """The shipped targets of ``year`` for the catalog's units when there are any, else synthetic ones."""
    path = config.DEFAULTS_DIR / f"targets_{year}.csv"
    shipped = read_targets(path) if path.exists() else {}
    targets = {k: v for k, v in shipped.items() if k[0] in catalog.units}
    if targets:
        return targets
    return {(t.unit_code, t.indicator_code): t.target for t in synthetic_targets(catalog, year, seed)}


def _optional_months(catalog: Catalog, targets: Mapping[tuple[str, str], float],
                     through_month: int) -> dict[tuple[str, str], range]:
    """Which optional indicators each unit reports, and in which months (0 = December of the year before).

    A unit reports an optional indicator it has a target for, except that the second unit never reports
    its last one (a ``no_data`` row); the third unit reports one it has no target for (``no_target``);
    the last unit starts reporting one in April.
    """
    units = list(catalog.units.values())
    optional = [i for i in catalog.indicators.values() if not i.required]
    months = range(0, through_month + 1)
    plan = {(u.code, i.code): months for u in units for i in optional
            if i.applies(u.unit_type) and (u.code, i.code) in targets}
    if len(units) > 1:
        dropped = [k for k in plan if k[0] == units[1].code]
        if dropped:
            del plan[dropped[-1]]
    for position, start in ((2, 0), (len(units) - 1, 4)):
        if 0 < position < len(units):
            unit = units[position]
            extra = next((i for i in optional
                          if i.applies(unit.unit_type) and (unit.code, i.code) not in plan), None)
            if extra is not None:
                plan[(unit.code, extra.code)] = range(start, through_month + 1)
    return plan


def _flow_path(indicator: Indicator, target: float, pace: float, through: int,
               rng: random.Random) -> list[float]:
    """Year-to-date figures, index 0 = last year's total, then months 1..through, never decreasing."""
    previous_year = rounded(indicator, target * rng.uniform(0.8, 1.0))
    path, cumulative, last = [previous_year], 0.0, 0.0
    for month in range(1, through + 1):
        step = indicator.share(month) - (indicator.share(month - 1) if month > 1 else 0.0)
        cumulative += target * pace * step * rng.uniform(0.75, 1.25)
        last = max(last, rounded(indicator, cumulative))
        path.append(last)
    return path


def _stock_path(indicator: Indicator, target: float, pace: float, through: int,
                rng: random.Random) -> list[float]:
    """End-of-month levels, index 0 = December of the year before (the baseline)."""
    baseline = target * rng.uniform(0.82, 0.92)
    path = [rounded(indicator, baseline)]
    for month in range(1, through + 1):
        level = baseline + (target - baseline) * month / 12 * pace + target * rng.uniform(-0.01, 0.01)
        path.append(rounded(indicator, level))
    return path


def _ratio_path(indicator: Indicator, target: float, pace: float, through: int,
                rng: random.Random) -> list[tuple[float, float]]:
    """(numerator, denominator) in 万元, year to date; index 0 = last year's full year."""
    budget = rng.uniform(300_000, 700_000)
    share = target * pace / 100
    last_year = round(budget * rng.uniform(0.9, 1.0), 1)
    path = [(round(last_year * share * rng.uniform(0.9, 1.0), 1), last_year)]
    numerator = denominator = 0.0
    last = (0.0, 0.0)
    for _month in range(1, through + 1):
        step = budget / 12 * rng.uniform(0.8, 1.2)
        denominator += step
        numerator += step * share * rng.uniform(0.9, 1.1)
        last = (max(last[0], round(numerator, 1)), max(last[1], round(denominator, 1)))
        path.append(last)
    return path


def year_reports(catalog: Catalog, year: int = 2026, through_month: int = 10, seed: int = 7,
                 targets: Mapping[tuple[str, str], float] | None = None
                 ) -> dict[tuple[str, str], SampleSubmission]:
    """The true submissions of every unit for December of ``year - 1`` and months 1..``through_month``.

    The last unit of the catalog has not reported ``through_month`` yet. Keys are (unit_code, period).
    """
    targets = default_targets(catalog, year, seed) if targets is None else targets
    optional = _optional_months(catalog, targets, through_month)
    units = list(catalog.units.values())
    figures: dict[tuple[str, int], list[Figure]] = {}
    for position, unit in enumerate(units):
        unit_pace = _PACES[position % len(_PACES)]
        for indicator in catalog.indicators.values():
            if not indicator.applies(unit.unit_type):
                continue
            months = (range(0, through_month + 1) if indicator.required
                      else optional.get((unit.code, indicator.code)))
            if months is None:
                continue
            rng = random.Random(f"path:{seed}:{unit.code}:{indicator.code}")
            target = targets.get((unit.code, indicator.code)) or synthetic_target(indicator, unit.code, seed)
            pace = unit_pace * rng.uniform(0.96, 1.04)
            if indicator.kind == Kind.RATIO:
                for month, (num, den) in enumerate(_ratio_path(indicator, target, pace, through_month, rng)):
                    if month in months:
                        figures.setdefault((unit.code, month), []).append(
                            Figure(indicator.code, round(100 * num / den, 2), num, den))
                continue
            build = _flow_path if indicator.kind == Kind.FLOW else _stock_path
            for month, value in enumerate(build(indicator, target, pace, through_month, rng)):
                if month in months:
                    figures.setdefault((unit.code, month), []).append(Figure(indicator.code, value))
    submissions = {}
    for position, unit in enumerate(units):
        rng = random.Random(f"meta:{seed}:{unit.code}")
        contact = CONTACTS[position % len(CONTACTS)]
        last = through_month - 1 if position == len(units) - 1 and len(units) > 1 else through_month
        for month in range(0, last + 1):
            y, m = (year - 1, 12) if month == 0 else (year, month)
            submissions[(unit.code, str(Period(y, m)))] = SampleSubmission(
                unit.code, str(Period(y, m)), sending_time(y, m, rng), contact,
                tuple(figures.get((unit.code, month), ())))
    return submissions


def _quarters(periods: Sequence[str], size: int) -> list[list[str]]:
    groups: dict[tuple[str, int], list[str]] = {}
    for period in periods:
        month_of = Period.parse(period)
        groups.setdefault((str(month_of.year), (month_of.month - 1) // size), []).append(period)
    return list(groups.values())


def _corrected(submission: SampleSubmission, earlier: SampleSubmission | None,
               catalog: Catalog) -> tuple[SampleSubmission, SampleSubmission]:
    """(first version, correction) of a submission: the first understated one money figure."""
    code = money_flow(catalog).code
    true = submission.figure(code)
    assert true is not None and true.value is not None
    floor = (earlier.figure(code) or Figure(code, 0.0)).value if earlier else 0.0
    understated = round((floor or 0.0) + (true.value - (floor or 0.0)) / 2, 1)
    first = submission.with_figure(Figure(code, understated))
    correction = submission.with_figure(replace(true, note="更正：补报漏登技术合同"))
    correction = replace(correction, submitted_at=submission.submitted_at.replace(day=16))
    return first, correction


def generate_year(out_dir: Path, catalog: Catalog, year: int = 2026, through_month: int = 10, seed: int = 7,
                  bad_files: bool = True, correction: bool = True) -> list[Path]:
    """Write a year of submissions for every unit; file names sort in receiving order.

    Files are named ``<period>_<unit>[...]``: December of ``year - 1`` (the stocks' baselines), then
    months 1..``through_month``. The last unit has not sent ``through_month``. With ``correction`` the
    second unit resubmits ``through_month`` (``_correction``) raising an understated money figure;
    with ``bad_files`` the files of :data:`BAD_RULES` are added (``_bad-<rule>``).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    submissions = year_reports(catalog, year, through_month, seed)
    units = list(catalog.units.values())
    paths: list[Path] = []
    corrector = units[1].code if correction and len(units) > 1 else None
    for position, unit in enumerate(units):
        style = UNIT_STYLES[position % len(UNIT_STYLES)]
        periods = sorted(p for (u, p) in submissions if u == unit.code)
        if unit.code == corrector and isinstance(style, CsvStyle):
            style = WorkbookStyle()
        if isinstance(style, CsvStyle):
            size = style.months_per_file
            for group in [[p] for p in periods if p.startswith(str(year - 1))] + _quarters(
                    [p for p in periods if p.startswith(str(year))], size):
                name = (f"{group[-1]}_{unit.code}.csv" if len(group) == 1
                        else f"{group[-1]}_{unit.code}_{group[0]}_to_{group[-1]}.csv")
                data = csv_bytes([submissions[(unit.code, p)] for p in group], catalog, style)
                paths.append(write_file(out_dir / name, data))
            continue
        for period in periods:
            submission = submissions[(unit.code, period)]
            if unit.code == corrector and period == str(Period(year, through_month)):
                earlier = submissions.get((unit.code, str(Period(year, through_month).previous())))
                first, fixed = _corrected(submission, earlier if through_month > 1 else None, catalog)
                paths.append(write_file(out_dir / f"{period}_{unit.code}.xlsx",
                                        workbook_bytes(first, catalog, style)))
                paths.append(write_file(out_dir / f"{period}_{unit.code}_correction.xlsx",
                                        workbook_bytes(fixed, catalog, style)))
                continue
            paths.append(write_file(out_dir / f"{period}_{unit.code}.xlsx",
                                    workbook_bytes(submission, catalog, style)))
    if bad_files:
        avoid = {units[-1].code} | ({corrector} if corrector else set())
        paths.extend(write_bad_files(out_dir, catalog, submissions, year, through_month, seed, avoid))
    return sorted(paths)
