"""A sample submission: one unit's figures for one month, before they are written in some layout.

Also what every generator of samples shares: how figures are rounded, how a period is written, who fills
in the forms and when they are sent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime

from scorecard.catalog import Indicator

COUNT_UNITS = frozenset({"家", "个", "项", "人", "家次"})
MONEY_UNIT = "万元"

CONTACTS = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄涛", "周丽", "吴强")
"""Who fills in the forms, the nth unit's being the (n mod 10)th."""


@dataclass(frozen=True)
class Figure:
    """One indicator of a submission in the catalog's measure unit; a ratio gives numerator/denominator."""

    code: str
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    note: str | None = None
    typed: str | None = None
    """What the unit typed in the value cell instead of a number (bad samples only)."""


@dataclass(frozen=True)
class SampleSubmission:
    """One unit's submission for one month, before it is written in some form."""

    unit_code: str
    period: str
    submitted_at: datetime
    contact: str
    figures: tuple[Figure, ...]

    def figure(self, code: str) -> Figure | None:
        return next((f for f in self.figures if f.code == code), None)

    def with_figure(self, figure: Figure) -> SampleSubmission:
        """This submission with ``figure`` replacing the one of the same indicator (or appended)."""
        figures = [figure if f.code == figure.code else f for f in self.figures]
        if self.figure(figure.code) is None:
            figures.append(figure)
        return replace(self, figures=tuple(figures))


def decimals(indicator: Indicator) -> int:
    """How many decimals a figure in the indicator's measure unit has: none for counts, one for 万元."""
    if indicator.measure_unit in COUNT_UNITS:
        return 0
    return 1 if indicator.measure_unit == MONEY_UNIT else 2


def rounded(indicator: Indicator, value: float) -> float:
    """``value`` kept within the indicator's range and rounded to its :func:`decimals`."""
    value = max(0.0, value)
    if indicator.max_value is not None:
        value = min(value, indicator.max_value)
    digits = decimals(indicator)
    return float(round(value)) if digits == 0 else round(value, digits)


def sending_time(year: int, month: int, rng: random.Random, day: int | None = None) -> datetime:
    """When a unit sent its submission for ``year-month``: a working day early the next month."""
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, day or rng.randint(3, 9), rng.randint(8, 17), rng.randint(0, 59),
                    rng.randint(0, 59))

