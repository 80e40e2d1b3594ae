"""Cell values converted (contract §2.3): text, numbers, periods, timestamps and measure units.

Every function here only converts, reporting nothing: None says a value could not be converted, and the
structural rules (``rules``) decide what problem that is.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta

from scorecard.catalog import Indicator
from scorecard.vocabulary import Kind

MONEY_UNIT = "万元"
MONEY_UNITS = {"元": (1, 10000), "万元": (1, 1), "亿元": (10000, 1)}  # (multiply, divide) into 万元
PERCENT_UNIT = "%"

_NOT_REPORTED = re.compile(r"^(?:[-‐‑‒–—―−/]+|无)$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_LOOSE_DATETIMES = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日 %H:%M:%S",
                    "%Y年%m月%d日 %H:%M", "%Y年%m月%d日")


def cell_text(raw: object) -> str:
    """A cell as trimmed text (whole floats without ``.0``), width-normalised."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw)
    return (text if text.isascii() else unicodedata.normalize("NFKC", text)).strip()  # ASCII is NFKC already


def is_given(raw: object) -> bool:
    """False for an empty cell and for the "not reported" markers ``-``, ``—``, ``/``, ``无``."""
    return not (raw is None or (isinstance(raw, str)
                                and (not cell_text(raw) or _NOT_REPORTED.match(cell_text(raw)))))


def to_number(raw: object, percent_ok: bool) -> float | None:
    """The number in a given cell, or None when it is not one (booleans and dates are not)."""
    if isinstance(raw, bool) or isinstance(raw, date | time | timedelta):
        return None
    if isinstance(raw, int | float):
        return float(raw) if math.isfinite(raw) else None
    text = cell_text(raw).replace(" ", "").replace("\u2212", "-")  # U+2212 is the typographic minus
    if percent_ok and text.endswith("%"):
        text = text[:-1]
    if _GROUPED.match(text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None  # float() reads 1e400 as infinity


def to_timestamp(raw: object) -> datetime | None:
    """``submitted_at`` from ISO text or an Excel date; an aware time becomes naive UTC."""
    stamp: datetime | None = None
    if isinstance(raw, datetime):
        stamp = raw
    elif isinstance(raw, date):
        stamp = datetime.combine(raw, time())
    elif isinstance(raw, str):
        stamp = _parse_timestamp(cell_text(raw))
    if stamp is not None and stamp.tzinfo is not None:
        return stamp.astimezone(UTC).replace(tzinfo=None)
    return stamp


def _parse_timestamp(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in _LOOSE_DATETIMES:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def measure_unit_text(raw: object) -> str:
    """A measure-unit cell as written, without white space."""
    return "".join(cell_text(raw).split())


def unit_factor(written: str, indicator: Indicator) -> tuple[int, int] | None:
    """(multiply, divide) taking figures written in ``written`` into the indicator's catalog unit
    (元 and 亿元 to 万元); None when they cannot be taken there."""
    if not written or written == indicator.measure_unit:
        return 1, 1
    if (indicator.measure_unit == MONEY_UNIT or indicator.kind == Kind.RATIO) and written in MONEY_UNITS:
        return MONEY_UNITS[written]
    return None


def ratio_percent(numerator: float | None, denominator: float | None) -> float | None:
    """A ratio's value, 100 × numerator / denominator, when both are there and the denominator is not 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return 100 * numerator / denominator
