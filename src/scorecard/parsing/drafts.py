"""What was read from a file, whatever its form, before the structural rules are checked: where each field
stands, its raw value, and the problems already found while reading."""

from __future__ import annotations

from dataclasses import dataclass, field

from scorecard.model import ParsedSubmission, Problem
from scorecard.parsing.labels import FIELD_ZH
from scorecard.vocabulary import Rule


@dataclass
class Where:
    """A cell of the chosen sheet or a physical CSV line."""

    cell: str | None = None
    line: int | None = None

    def zh(self) -> str:
        return f"单元格 {self.cell}" if self.cell else f"第 {self.line} 行" if self.line else "文件"

    def en(self) -> str:
        return f"cell {self.cell}" if self.cell else f"line {self.line}" if self.line else "the file"


@dataclass
class Field:
    """One cell or CSV field as read: its raw value, where it is, and why it has no usable value."""

    raw: object
    where: Where
    broken: str | None = None  # "formula" (no cached value) or an Excel error such as "#DIV/0!"


@dataclass
class Row:
    fields: dict[str, Field]
    where: Where  # the indicator_code cell, or the CSV line

    def get(self, name: str) -> Field | None:
        return self.fields.get(name)


@dataclass
class Draft:
    """A submission before checking: metadata fields, table rows and problems found while reading."""

    file: str
    form: str
    meta: dict[str, Field] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sheet: str | None = None
    has_table: bool = True  # False when no table header was found: nothing to call missing


def problem(rule: Rule, where: Where | None, zh: str, en: str, code: str | None = None) -> Problem:
    """A problem located at ``where`` (the whole file when None)."""
    where = where or Where()
    return Problem(rule, zh, en, cell=where.cell, line=where.line, indicator_code=code)


def broken_problem(f: Field, label: str, code: str | None = None) -> Problem:
    """The problem of a broken cell: a formula without a calculated value, or an Excel error."""
    if f.broken == "formula":
        return problem(Rule.FORMULA_WITHOUT_VALUE, f.where,
                       f"{f.where.zh()}（{FIELD_ZH.get(label, label)}）是没有计算结果的公式，请在 Excel 中"
                       "重新计算并保存，或直接填写数值",
                       f"{f.where.en()} ({label}) is a formula without a calculated value: recalculate and "
                       "save the workbook in Excel, or type the value", code)
    return problem(Rule.NOT_A_NUMBER, f.where,
                   f"{f.where.zh()}（{FIELD_ZH.get(label, label)}）的公式结果为错误 {f.broken}，请更正",
                   f"{f.where.en()} ({label}) holds the error {f.broken}: correct the formula", code)


def unreadable(name: str, form: str, zh: str, en: str) -> list[ParsedSubmission]:
    """The answer for a file that cannot be read at all: one submission with an ``unreadable_file`` error."""
    error = problem(Rule.UNREADABLE_FILE, None, f"无法读取文件：{zh}", f"cannot read the file: {en}")
    return [ParsedSubmission(file=name, form=form, problems=[error])]  # type: ignore[arg-type]

