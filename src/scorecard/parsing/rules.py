"""The structural rules (contract §3) checked on a draft, turning it into a ``ParsedSubmission``.

Values are converted by ``values``; what is checked here is what a value that cannot be converted, or
does not fit the catalog, is reported as.
"""

from __future__ import annotations

from datetime import date

from scorecard.catalog import Catalog, Indicator, Unit
from scorecard.model import ParsedSubmission, Problem, ReportedValue
from scorecard.parsing.drafts import Draft, Field, Row, Where, broken_problem, problem
from scorecard.parsing.labels import CELL_FIELDS, FIELD_ZH, NUMBER_FIELDS
from scorecard.parsing.values import (
    PERCENT_UNIT,
    cell_text,
    is_given,
    measure_unit_text,
    ratio_percent,
    to_number,
    to_timestamp,
    unit_factor,
)
from scorecard.periods import Period
from scorecard.vocabulary import Kind, Rule


def check(draft: Draft, catalog: Catalog, today: date) -> ParsedSubmission:
    """The draft as a ParsedSubmission, with every structural problem; ``today`` decides future_period."""
    return _Checker(draft, catalog, today).run()


class _Checker:
    def __init__(self, draft: Draft, catalog: Catalog, today: date) -> None:
        self.draft = draft
        self.catalog = catalog
        self.this_month = Period.of(today)
        self.result = ParsedSubmission(file=draft.file, form=draft.form,  # type: ignore[arg-type]
                                       sheet=draft.sheet, problems=list(draft.problems))
        self.unit: Unit | None = None

    def add(self, found: Problem) -> None:
        self.result.problems.append(found)

    def run(self) -> ParsedSubmission:
        self.check_unit()
        self.check_period()
        self.check_submitted_at()
        contact = self.draft.meta.get("contact")
        self.result.contact = (cell_text(contact.raw) or None) if contact else None
        reported = self.check_rows()
        self.check_missing(reported)
        return self.result

    def meta_text(self, name: str) -> tuple[Field, str] | None:
        """A metadata field and its text, when it is there, not broken and not empty."""
        f = self.draft.meta.get(name)
        if f is None or f.broken:
            return None
        text = cell_text(f.raw)
        return (f, text) if text else None

    def check_unit(self) -> None:
        found = self.meta_text("unit_code")
        if found is None:
            return
        f, code = found
        code = self.catalog.unit_spellings.get(code.upper(), code)
        self.result.unit_code = code
        self.unit = self.catalog.units.get(code)
        if self.unit is None:
            self.add(problem(Rule.UNKNOWN_UNIT, f.where,
                             f"{f.where.zh()}：单位代码“{code}”不在单位目录中，请填写本单位的代码（如 C01）",
                             f"{f.where.en()}: unit_code '{code}' is not in the unit catalog; write your "
                             "unit's code (such as C01)"))

    def check_period(self) -> None:
        found = self.meta_text("period")
        if found is None:
            return
        f, text = found
        period = Period.read(f.raw)
        self.result.period = str(period) if period else None
        if period is None:
            self.add(problem(Rule.BAD_PERIOD, f.where,
                             f"{f.where.zh()}：报告期“{text}”无法识别，请写成 2026-09 或 2026年9月",
                             f"{f.where.en()}: period '{text}' is not a month from 2000-01 on; "
                             "write it as 2026-09"))
        elif period > self.this_month:
            self.add(problem(Rule.FUTURE_PERIOD, f.where,
                             f"{f.where.zh()}：报告期 {period} 晚于当前月份，请检查年份和月份",
                             f"{f.where.en()}: period {period} is later than the current "
                             "month; check the year and month"))

    def check_submitted_at(self) -> None:
        found = self.meta_text("submitted_at")
        if found is None:
            return
        f, text = found
        self.result.submitted_at = to_timestamp(f.raw)
        if self.result.submitted_at is None:
            self.add(problem(Rule.MISSING_METADATA, f.where,
                             f"{f.where.zh()}：填报时间“{text}”无法识别，请写成 2026-10-05 10:30",
                             f"{f.where.en()}: submitted_at '{text}' is not a date-time; write it "
                             "as 2026-10-05 10:30"))

    def check_rows(self) -> dict[str, Row]:
        """Check every row; returns the first row of each indicator code met."""
        first: dict[str, Row] = {}
        spellings = self.catalog.indicator_spellings
        for row in self.draft.rows:
            code = cell_text(row.fields["indicator_code"].raw)
            code = spellings.get(code.upper(), code)
            kept = self.check_row(row, code, duplicate=code in first)
            first.setdefault(code, row)
            if kept is not None:
                self.result.rows.append(kept)
        return first

    def check_row(self, row: Row, code: str, duplicate: bool) -> ReportedValue | None:
        indicator = self.catalog.indicators.get(code)
        out = ReportedValue(indicator_code=code, line=row.where.line,
                            cells={n: f.where.cell for n, f in row.fields.items()
                                   if f.where.cell and n in CELL_FIELDS})
        note = row.get("note")
        out.note = (cell_text(note.raw) or None) if note else None
        given = self.check_numbers(row, indicator, code, out)
        if indicator is None:
            out.invalid_fields.add("indicator_code")
            self.add(problem(Rule.UNKNOWN_INDICATOR, row.where,
                             f"{row.where.zh()}：指标代码“{code}”不在指标目录中，请使用填报模板中的代码",
                             f"{row.where.en()}: indicator_code '{code}' is not in the catalog; use the "
                             "codes of the blank form", code))
        elif self.unit is not None and not indicator.applies(self.unit.unit_type) and given:
            out.invalid_fields.add("indicator_code")
            at = next(row.fields[n].where for n in NUMBER_FIELDS if n in given)
            self.add(problem(Rule.NOT_APPLICABLE, at,
                             f"{at.zh()}：指标 {code}（{indicator.name_zh}）不适用于本单位，请删除该数据",
                             f"{at.en()}: indicator {code} ({indicator.name_en}) does not apply to this "
                             "unit; remove the figure", code))
        if duplicate:
            out.invalid_fields.add("indicator_code")
            self.add(problem(Rule.DUPLICATE_INDICATOR, row.where,
                             f"{row.where.zh()}：指标 {code} 重复出现，请只保留一行",
                             f"{row.where.en()}: indicator {code} appears more than once; keep one row",
                             code))
        return out if given else None

    def check_numbers(self, row: Row, indicator: Indicator | None, code: str,
                      out: ReportedValue) -> set[str]:
        """Fill the row's numbers (converted to the catalog unit); returns the fields the unit gave."""
        kind = indicator.kind if indicator else None
        fields = ("value",) if kind in (Kind.FLOW, Kind.STOCK) else NUMBER_FIELDS
        percent_ok = indicator is not None and indicator.measure_unit == PERCENT_UNIT
        numbers: dict[str, float | None] = {}
        given: set[str] = set()
        for name in fields:
            f = row.get(name)
            if f is None or not (f.broken or is_given(f.raw)):
                continue
            given.add(name)
            if kind == Kind.RATIO and name == "value":
                continue  # a ratio's value is recomputed from numerator and denominator
            numbers[name] = self.check_number(f, name, code, percent_ok and name == "value", out)
        multiply, divide = self.check_measure_unit(row, indicator, code, out,
                                                   [n for n in numbers if numbers[n] is not None])
        for name, number in numbers.items():
            converted = None if number is None or name in out.invalid_fields else number * multiply / divide
            setattr(out, name, converted)
        if kind == Kind.RATIO:
            out.value = ratio_percent(out.numerator, out.denominator)
            self.check_numerator(row, code, given)
        return given

    def check_number(self, f: Field, name: str, code: str, percent_ok: bool,
                     out: ReportedValue) -> float | None:
        if f.broken:
            out.invalid_fields.add(name)
            self.add(broken_problem(f, name, code))
            return None
        number = to_number(f.raw, percent_ok)
        if number is None:
            out.invalid_fields.add(name)
            self.add(problem(Rule.NOT_A_NUMBER, f.where,
                             f"{f.where.zh()}：{FIELD_ZH[name]}“{cell_text(f.raw)}”不是数字，请只填写数字"
                             "（不报送请留空）",
                             f"{f.where.en()}: {name} '{cell_text(f.raw)}' is not a number; write digits "
                             "only (leave it empty when not reported)", code))
        return number

    def check_measure_unit(self, row: Row, indicator: Indicator | None, code: str, out: ReportedValue,
                           numbers: list[str]) -> tuple[int, int]:
        """(multiply, divide) taking the row's numbers into the catalog unit; unit_mismatch when none can."""
        f = row.get("measure_unit")
        if f is None or indicator is None:
            return 1, 1
        written = measure_unit_text(f.raw)
        factor = unit_factor(written, indicator)
        if factor is not None:
            return factor
        out.invalid_fields.update(numbers)
        self.add(problem(Rule.UNIT_MISMATCH, f.where,
                         f"{f.where.zh()}：计量单位“{written}”与目录规定的“{indicator.measure_unit}”不符，"
                         f"请按“{indicator.measure_unit}”填报",
                         f"{f.where.en()}: measure unit '{written}' differs from the catalog's "
                         f"'{indicator.measure_unit}'; report in {indicator.measure_unit}", code))
        return 1, 1

    def check_numerator(self, row: Row, code: str, given: set[str]) -> None:
        """missing_value for a ratio given a denominator but no numerator."""
        if "denominator" in given and "numerator" not in given:
            at = (row.get("numerator") or row.get("value") or row.fields["indicator_code"]).where
            self.add(problem(Rule.MISSING_VALUE, at,
                             f"{at.zh()}：指标 {code} 填了分母但没有分子，请补填分子",
                             f"{at.en()}: indicator {code} has a denominator but no numerator; fill in "
                             "the numerator", code))

    def check_missing(self, first: dict[str, Row]) -> None:
        """missing_value for each required indicator of the unit that it did not report."""
        if self.unit is None or not self.draft.has_table:
            return
        reported = {r.indicator_code for r in self.result.rows}
        for indicator in self.catalog.applicable(self.unit):
            if not indicator.required or indicator.code in reported:
                continue
            row = first.get(indicator.code)
            at = (row.get("value") or row.fields["indicator_code"]).where if row else Where()
            self.add(problem(Rule.MISSING_VALUE, at,
                             f"{at.zh()}：必报指标 {indicator.code}（{indicator.name_zh}）未填报，请填写"
                             f"{'本年累计数' if indicator.kind != Kind.STOCK else '期末数'}",
                             f"{at.en()}: required indicator {indicator.code} ({indicator.name_en}) is not "
                             "reported; fill in its figure", indicator.code))
