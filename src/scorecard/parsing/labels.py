"""The fields of the submission forms (contract §2): their names, and the labels that spell them."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_LABEL_CHARS = 200
"""Longest text taken for a label: the longest alias is 14 characters, and longer text could make the
(…)-removing regex of ``label_key`` quadratic."""

ALIASES: dict[str, tuple[str, ...]] = {
    "unit_code": ("unit_code", "单位代码"),
    "period": ("period", "报告期"),
    "submitted_at": ("submitted_at", "填报时间"),
    "contact": ("contact", "填报人"),
    "indicator_code": ("indicator_code", "指标代码"),
    "indicator_name": ("indicator_name", "指标名称"),
    "measure_unit": ("measure_unit", "计量单位"),
    "value": ("value", "数值"),
    "numerator": ("numerator", "分子"),
    "denominator": ("denominator", "分母"),
    "note": ("note", "备注"),
}
META_FIELDS = ("unit_code", "period", "submitted_at", "contact")
NUMBER_FIELDS = ("value", "numerator", "denominator")
FIELD_ZH = {"unit_code": "单位代码", "period": "报告期", "submitted_at": "填报时间", "value": "数值",
            "numerator": "分子", "denominator": "分母", "indicator_code": "指标代码",
            "measure_unit": "计量单位"}
CELL_FIELDS = (*NUMBER_FIELDS, "indicator_code", "measure_unit")


@lru_cache(maxsize=4096)
def label_key(label: object) -> str:
    """A header or metadata label reduced for matching: width, case, spaces, ``_``, ``*``, ``:`` and (…).
    Cached: every file repeats the same few labels."""
    text = unicodedata.normalize("NFKC", str(label)).casefold()
    if len(text) > MAX_LABEL_CHARS:
        return text
    text = re.sub(r"\(.*?\)", "", text)
    return re.sub(r"[\s_*:]", "", text)


LABELS = {label_key(alias): name for name, aliases in ALIASES.items() for alias in aliases}
"""Field names by the key of each label that spells them."""
