"""The deliberately bad sample files: each breaks exactly one rule of contract §3, and its name carries the
rule id after ``_bad-``."""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from scorecard.catalog import Catalog, Indicator
from scorecard.periods import Period
from scorecard.samples.layouts import (
    HEADERS,
    WorkbookStyle,
    csv_bytes,
    save_workbook,
    workbook_bytes,
    write_file,
)
from scorecard.samples.submission import (
    COUNT_UNITS,
    MONEY_UNIT,
    Figure,
    SampleSubmission,
    sending_time,
)
from scorecard.vocabulary import AppliesTo, Kind, Rule, UnitType

BAD_MARK = "_bad-"
"""File names of deliberately bad samples contain ``_bad-<rule id>``."""

NEEDS_HISTORY = frozenset({Rule.CUMULATIVE_DECREASE})
"""Rules that a bad sample trips only against the figures accepted before it (in receiving order)."""

_Maker = Callable[[SampleSubmission, Catalog], bytes]
"""The bytes of a bad file made from a true submission."""


@dataclass(frozen=True)
class _Bad:
    rule: Rule
    make: _Maker
    unit_type: UnitType | None = None
    month: Callable[[int], int] = field(default=lambda through: through)
    suffix: str = ".xlsx"
    unit_code: str | None = None


def _first(catalog: Catalog, test: Callable[[Indicator], bool]) -> Indicator:
    return next(i for i in catalog.indicators.values() if test(i))


def _stock(catalog: Catalog) -> Indicator:
    return _first(catalog, lambda i: i.kind == Kind.STOCK and i.required)


def money_flow(catalog: Catalog) -> Indicator:
    """The first required flow indicator in 万元 (the one a correction or a decrease changes)."""
    return _first(catalog, lambda i: i.kind == Kind.FLOW and i.required and i.measure_unit == MONEY_UNIT)


def _count_flows(catalog: Catalog) -> list[Indicator]:
    return [i for i in catalog.indicators.values()
            if i.kind == Kind.FLOW and i.required and i.measure_unit in COUNT_UNITS]


def _ratio(catalog: Catalog) -> Indicator:
    return _first(catalog, lambda i: i.kind == Kind.RATIO and i.applies_to == AppliesTo.COUNTY)


def _corrupt(submission: SampleSubmission, catalog: Catalog) -> bytes:
    data = workbook_bytes(submission, catalog)
    return data[: len(data) * 3 // 5]


def _changed(code_of: Callable[[Catalog], Indicator],
             change: Callable[[Figure, Indicator], Figure]) -> _Maker:
    """A bad file: the submission with one indicator's figure changed."""
    def make(submission: SampleSubmission, catalog: Catalog) -> bytes:
        indicator = code_of(catalog)
        figure = submission.figure(indicator.code)
        assert figure is not None
        return workbook_bytes(submission.with_figure(change(figure, indicator)), catalog)
    return make


def _with_extra(figure: Callable[[SampleSubmission, Catalog], Figure]) -> _Maker:
    def make(submission: SampleSubmission, catalog: Catalog) -> bytes:
        extra = figure(submission, catalog)
        return workbook_bytes(replace(submission, figures=(*submission.figures, extra)), catalog)
    return make


def _without(code_of: Callable[[Catalog], Indicator]) -> _Maker:
    def make(submission: SampleSubmission, catalog: Catalog) -> bytes:
        code = code_of(catalog).code
        kept = tuple(f for f in submission.figures if f.code != code)
        return workbook_bytes(replace(submission, figures=kept), catalog)
    return make


def _unit_mismatch(submission: SampleSubmission, catalog: Catalog) -> bytes:
    code = money_flow(catalog).code
    data = workbook_bytes(submission, catalog, WorkbookStyle(money_units=False))
    return _relabel_unit(data, code, "美元")


def _relabel_unit(data: bytes, code: str, measure_unit: str) -> bytes:
    """Rewrite the measure_unit cell of ``code``'s row of a default-style workbook."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    sheet = book["填报表"]
    header = next(r for r in sheet.iter_rows() if r[0].value == HEADERS["zh"]["indicator_code"])
    column = next(c.column for c in header if c.value == HEADERS["zh"]["measure_unit"])
    row = next(r for r in sheet.iter_rows(min_row=header[0].row + 1) if r[0].value == code)
    sheet.cell(row[0].row, column).value = measure_unit
    return save_workbook(book, book.properties.created)


def _unknown_indicator_csv(submission: SampleSubmission, catalog: Catalog) -> bytes:
    extra = Figure("RD_INTENSITY", 2.4, note="研发投入强度（非考核指标）")
    return csv_bytes([replace(submission, figures=(*submission.figures, extra))], catalog)


def _cumulative_decrease(submission: SampleSubmission, catalog: Catalog, earlier: SampleSubmission) -> bytes:
    code = money_flow(catalog).code
    before = earlier.figure(code)
    assert before is not None and before.value is not None
    return workbook_bytes(submission.with_figure(Figure(code, round(before.value * 0.6, 1))), catalog)


BAD_RULES: tuple[Rule, ...] = (
    Rule.UNREADABLE_FILE, Rule.MISSING_METADATA, Rule.UNKNOWN_UNIT, Rule.BAD_PERIOD, Rule.UNKNOWN_INDICATOR,
    Rule.NOT_APPLICABLE, Rule.DUPLICATE_INDICATOR, Rule.NOT_A_NUMBER, Rule.FORMULA_WITHOUT_VALUE,
    Rule.UNIT_MISMATCH, Rule.MISSING_VALUE, Rule.NEGATIVE_VALUE, Rule.OUT_OF_RANGE, Rule.ZERO_DENOMINATOR,
    Rule.CUMULATIVE_DECREASE,
)
"""The rules the bad samples trip, one file each (in this order)."""


def _bad_specs() -> dict[Rule, _Bad]:
    def ratio_figure(submission: SampleSubmission, catalog: Catalog) -> Figure:
        return Figure(_ratio(catalog).code, None, 1200.0, 150000.0)

    return {
        Rule.UNREADABLE_FILE: _Bad(Rule.UNREADABLE_FILE, _corrupt),
        Rule.MISSING_METADATA: _Bad(
            Rule.MISSING_METADATA,
            lambda r, c: workbook_bytes(r, c, drop_meta=("period",))),
        Rule.UNKNOWN_UNIT: _Bad(
            Rule.UNKNOWN_UNIT, lambda r, c: workbook_bytes(replace(r, unit_code="X99"), c), unit_code="X99"),
        Rule.BAD_PERIOD: _Bad(
            Rule.BAD_PERIOD,
            lambda r, c: workbook_bytes(r, c, meta_override={"period": f"{r.period[:4]}-13"})),
        Rule.UNKNOWN_INDICATOR: _Bad(Rule.UNKNOWN_INDICATOR, _unknown_indicator_csv, suffix=".csv"),
        Rule.NOT_APPLICABLE: _Bad(Rule.NOT_APPLICABLE, _with_extra(ratio_figure), unit_type=UnitType.PARK),
        Rule.DUPLICATE_INDICATOR: _Bad(
            Rule.DUPLICATE_INDICATOR,
            _with_extra(lambda r, c: next(f for f in r.figures if c.indicators[f.code].kind == Kind.FLOW))),
        Rule.NOT_A_NUMBER: _Bad(
            Rule.NOT_A_NUMBER, _changed(lambda c: _count_flows(c)[1], lambda f, i: replace(f, typed="三十"))),
        Rule.FORMULA_WITHOUT_VALUE: _Bad(
            Rule.FORMULA_WITHOUT_VALUE,
            _changed(lambda c: _count_flows(c)[0], lambda f, i: replace(f, typed=f"={int(f.value or 0)}+1"))),
        Rule.UNIT_MISMATCH: _Bad(Rule.UNIT_MISMATCH, _unit_mismatch),
        Rule.MISSING_VALUE: _Bad(Rule.MISSING_VALUE, _without(lambda c: _count_flows(c)[-1])),
        Rule.NEGATIVE_VALUE: _Bad(Rule.NEGATIVE_VALUE, _changed(_stock, lambda f, i: replace(f, value=-3.0))),
        Rule.OUT_OF_RANGE: _Bad(
            Rule.OUT_OF_RANGE,
            _changed(_stock, lambda f, i: replace(f, value=2 * (i.max_value or 1e6)))),
        Rule.ZERO_DENOMINATOR: _Bad(
            Rule.ZERO_DENOMINATOR,
            _changed(_ratio, lambda f, i: replace(f, value=None, numerator=0.0, denominator=0.0)),
            unit_type=UnitType.COUNTY, month=lambda through: 1),
    }


def write_bad_files(out_dir: Path, catalog: Catalog, submissions: Mapping[tuple[str, str], SampleSubmission],
                    year: int, through_month: int, seed: int, avoid: set[str]) -> list[Path]:
    """The deliberately bad files, each for a different unit where the catalog allows it."""
    rng = random.Random(f"bad:{seed}")
    units = [u for u in catalog.units.values() if u.code not in avoid]
    specs = _bad_specs()
    paths: list[Path] = []
    for position, rule in enumerate(BAD_RULES):
        candidates = units
        spec = specs.get(rule)
        if spec is not None and spec.unit_type is not None:
            candidates = [u for u in units if u.unit_type == spec.unit_type]
        if not candidates:
            continue
        unit = candidates[position % len(candidates)]
        month = spec.month(through_month) if spec is not None else through_month
        submission = submissions.get((unit.code, str(Period(year, month))))
        if submission is None:
            continue
        submission = replace(submission, submitted_at=sending_time(year, month, rng, day=12))
        if rule == Rule.CUMULATIVE_DECREASE:
            earlier = submissions.get((unit.code, str(Period(year, month).previous())))
            if month < 2 or earlier is None:
                continue
            data, suffix, code = _cumulative_decrease(submission, catalog, earlier), ".xlsx", unit.code
        else:
            assert spec is not None
            try:
                data = spec.make(submission, catalog)
            except (StopIteration, IndexError, AssertionError):
                continue  # the catalog has no indicator this rule can be shown with
            suffix, code = spec.suffix, spec.unit_code or unit.code
        paths.append(write_file(out_dir / f"{submission.period}_{code}{BAD_MARK}{rule}{suffix}", data))
    return paths


def intended_rule(path: Path | str) -> Rule | None:
    """The rule a bad sample was written to trip (from its name); None for a good file."""
    name = Path(path).name
    if BAD_MARK not in name:
        return None
    return Rule(name.split(BAD_MARK, 1)[1].split(".", 1)[0])
