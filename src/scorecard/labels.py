"""The words people read, in Chinese and English: status words, the names of a snapshot row's fields,
unit types, and how a unit or indicator is named. The bulletin, the emails and the scorecard pages all
take their words from here, so that a status reads the same wherever it is shown; the machine ids
they stand for are ``vocabulary``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from scorecard.vocabulary import CITY, Status, UnitType

if TYPE_CHECKING:
    from scorecard.catalog import Catalog
    from scorecard.snapshots import Row


class Words(NamedTuple):
    """One thing said in Chinese and in English."""

    zh: str
    en: str

    def said_in(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


STATUSES: Mapping[Status, Words] = {
    Status.ACHIEVED: Words("已完成", "achieved"),
    Status.ON_TRACK: Words("符合序时", "on track"),
    Status.BEHIND: Words("略有滞后", "behind"),
    Status.LAGGING: Words("严重滞后", "lagging"),
    Status.NO_DATA: Words("无数据", "no data"),
    Status.NO_TARGET: Words("无目标", "no target"),
}

POINTS = Words("个百分点", "percentage points")
"""What a gap is shown in (the bulletin's workbook shows it as a rate)."""

FIELDS: Mapping[str, Words] = {
    "unit_code": Words("单位代码", "Unit code"),
    "unit_name": Words("单位名称", "Unit"),
    "contact_email": Words("联系邮箱", "Contact e-mail"),
    "indicator_code": Words("指标代码", "Indicator"),
    "indicator_name": Words("指标名称", "Name"),
    "measure_unit": Words("计量单位", "Unit"),
    "actual": Words("实际完成", "Actual"),
    "target": Words("年度目标", "Annual target"),
    "completion_rate": Words("完成率", "Completion"),
    "expected_rate": Words("序时进度", "Expected"),
    "gap": Words("差距", "Gap"),
    "gap_points": Words(f"差距（{POINTS.zh}）", f"Gap ({POINTS.en})"),
    "status": Words("状态", "Status"),
    "stale": Words("沿用往月数据", "Earlier month's figure"),
    "rank": Words("排名", "Rank"),
    "forecast": Words("全年预计", "Year-end forecast"),
}
"""Column headings of a snapshot row's fields (``gap_points``: the gap in percentage points)."""

UNIT_TYPES: Mapping[UnitType, Words] = {
    UnitType.COUNTY: Words("县区", "county"),
    UnitType.PARK: Words("园区", "park"),
}

CITY_NAME = Words("全市", "City")
UNKNOWN_UNIT = Words("未知单位", "unknown unit")


def status(value: str | None, lang: str = "zh") -> str:
    """The words of a status id (``—`` for none)."""
    return STATUSES[Status(value)].said_in(lang) if value else "—"


def field(name: str, lang: str = "zh") -> str:
    """The heading of a snapshot row's field."""
    return FIELDS[name].said_in(lang)


def unit_name(catalog: Catalog, code: str | None, lang: str = "zh", unknown: str | None = None) -> str:
    """A unit's name: the city's for ``CITY``; ``unknown`` (default: the code) when the catalog has none."""
    if code == CITY:
        return CITY_NAME.said_in(lang)
    unit = catalog.units.get(code or "")
    if unit is None:
        return (code or "") if unknown is None else unknown
    return unit.name_en if lang == "en" else unit.name_zh


def indicator_name(catalog: Catalog, code: str, lang: str = "zh") -> str:
    """An indicator's name, or its code when the catalog has none."""
    indicator = catalog.indicators.get(code)
    if indicator is None:
        return code
    return indicator.name_en if lang == "en" else indicator.name_zh


def named(row: Row, catalog: Catalog, lang: str = "zh") -> dict[str, Any]:
    """A snapshot row's figures (contract §5 fields) with the words shown beside them: ``unit_name``,
    ``indicator_name``, ``measure_unit`` and ``status_label``."""
    indicator = catalog.indicators.get(row.indicator_code)
    return {**row.as_json(), "unit_name": unit_name(catalog, row.unit_code, lang),
            "indicator_name": indicator_name(catalog, row.indicator_code, lang),
            "measure_unit": indicator.measure_unit if indicator else "",
            "status_label": status(row.status, lang)}
