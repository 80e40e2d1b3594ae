"""Report months ("periods"): one value type for reading, checking and stepping them.

A period is written ``YYYY-MM`` everywhere the pipeline writes one (warehouse, JSON answers, file names).
Units may write it in any spelling the contract accepts (§2.1: ``2026-09``, ``2026/9``, ``2026年9月``,
``202609``, a date); the command line, the DAGs' params and the API accept ``YYYY-MM`` only.
Periods start in 2000-01. The bureau reads dates in its own time zone (Asia/Shanghai).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

TIMEZONE = "Asia/Shanghai"
"""The bureau's time zone: schedules are written in it and a moment's month is read in it."""

FIRST_YEAR = 2000

_WRITTEN = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:月份?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})?$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T\s].*)?$")


def local_date(moment: date | datetime) -> date:
    """The calendar date of ``moment`` in the bureau's time zone (a naive moment is taken as it is)."""
    if isinstance(moment, datetime):
        return (moment.astimezone(ZoneInfo(TIMEZONE)) if moment.tzinfo else moment).date()
    return moment


class PeriodError(ValueError):
    """A period that is not a month written YYYY-MM from 2000-01 on, or one later than allowed."""


@dataclass(frozen=True, order=True)
class Period:
    """One month: ``str(period)`` is ``YYYY-MM``; periods compare in calendar order."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12 and FIRST_YEAR <= self.year <= 9999):
            raise PeriodError(f"{self.year}-{self.month} is not a month from {FIRST_YEAR}-01 on")

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @classmethod
    def parse(cls, text: object, not_after: date | None = None) -> Period:
        """The period written ``text`` (``YYYY-MM``); with ``not_after``, refused when it is later than
        that day's month."""
        match = _WRITTEN.match(str(text).strip())
        period = cls._checked(match and (int(match[1]), int(match[2])))
        if period is None:
            raise PeriodError(f"period {text!r} is not a month written YYYY-MM ({FIRST_YEAR}-01 or later)")
        if not_after is not None and period > cls.of(not_after):
            raise PeriodError(f"period {period} is in the future (today is {not_after.isoformat()})")
        return period

    @classmethod
    def read(cls, raw: object) -> Period | None:
        """The period a unit wrote in a cell, in any spelling the contract accepts; None if it is none."""
        if isinstance(raw, date):
            return cls._checked((raw.year, raw.month))
        if raw is None:
            return None
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        match = _YEAR_MONTH.match(text) or _COMPACT.match(text) or _DATE.match(text)
        if not match:
            return None
        year, month, day = int(match[1]), int(match[2]), match.group(3) if match.re.groups > 2 else None
        try:
            date(year, month, int(day or 1))
        except ValueError:
            return None
        return cls._checked((year, month))

    @classmethod
    def of(cls, moment: date | datetime) -> Period:
        """The month ``moment`` falls in, in the bureau's time zone."""
        day = local_date(moment)
        return cls(day.year, day.month)

    @classmethod
    def _checked(cls, year_month: tuple[int, int] | None | re.Match[str] | bool) -> Period | None:
        if not isinstance(year_month, tuple):
            return None
        try:
            return cls(*year_month)
        except PeriodError:
            return None

    def previous(self) -> Period:
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def next(self) -> Period:
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def deadline(self, day: int) -> date:
        """The reporting deadline: day ``day`` of the following month."""
        return self.next().first_day().replace(day=day)

    def through(self, last: Period) -> Iterator[Period]:
        """This period and each month after it, up to ``last``."""
        period = self
        while period <= last:
            yield period
            period = period.next()
