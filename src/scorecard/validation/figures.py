"""How a checked figure is read and written in messages, shared by the suites and the history rules."""

from __future__ import annotations

from scorecard.model import ReportedValue

NUMBER_FIELDS = ("value", "numerator", "denominator")
FIELD_NAMES = {"value": ("数值", "value"), "numerator": ("分子", "numerator"),
               "denominator": ("分母", "denominator")}
"""Each number field's name in messages, in Chinese and English."""


def field_number(row: ReportedValue, name: str) -> float | None:
    """The row's number in field ``name``; None when the parser flagged that field."""
    return None if name in row.invalid_fields else getattr(row, name)


def shown(number: float | None) -> str:
    """A figure as messages write it (12 significant digits; an em dash for none)."""
    return "—" if number is None else format(number, ".12g")
