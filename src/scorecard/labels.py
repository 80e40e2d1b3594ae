"""The words people read, in Chinese and English: status words, the names of a snapshot row's fields,
unit types, and how a unit or indicator is named. The bulletin, the emails and the scorecard pages all
take their words from here, so that a status reads the same wherever it is shown; the machine ids
they stand for are ``vocabulary``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from scorecard.vocabulary import CITY, Rule, Severity, Status, UnitType

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

SEVERITIES: Mapping[Severity, Words] = {
    Severity.ERROR: Words("错误（须修改）", "error (must fix)"),
    Severity.WARNING: Words("提示（可不改）", "warning (no fix needed)"),
}
"""How bad a problem of contract §3 is, in the words of the feedback workbook and ``scorecard validate``."""

RULE_HINTS: Mapping[Rule, str] = {
    Rule.UNREADABLE_FILE: "文件无法读取：请确认是未加密的 .xlsx 或 CSV 文件，且未损坏、未超过大小限制。",
    Rule.MISSING_METADATA: "缺少单位代码、报告期或指标表头：请按模板填写表头区和“指标代码/数值”表头。",
    Rule.UNKNOWN_UNIT: "单位代码不在单位目录中：请使用下发的单位代码。",
    Rule.BAD_PERIOD: "报告期无法识别：请写成 2026-09 或 2026年9月。",
    Rule.FUTURE_PERIOD: "报告期晚于当前月份：请检查报告期。",
    Rule.UNKNOWN_INDICATOR: "指标代码不在指标目录中：请使用模板中的指标代码；模板中没有的指标请删除该行。",
    Rule.NOT_APPLICABLE: "该指标不适用于本单位类型：请删除该行的数值。",
    Rule.DUPLICATE_INDICATOR: "同一指标填报了多次：每个指标只保留一行。",
    Rule.NOT_A_NUMBER: "数值不是数字：请只填写数字（可带千分位逗号）。",
    Rule.FORMULA_WITHOUT_VALUE: "公式单元格没有计算结果：请在 Excel 中重新计算并保存，或改填数值。",
    Rule.UNIT_MISMATCH: "计量单位与目录不一致且无法换算：请按目录规定的计量单位填报。",
    Rule.MISSING_VALUE: "必报指标缺失或未填数值：请补充填报。",
    Rule.NEGATIVE_VALUE: "数值为负：请核实。",
    Rule.OUT_OF_RANGE: "数值超出合理范围：请核实是否填错单位或数位。",
    Rule.ZERO_DENOMINATOR: "比率指标的分母为 0 或缺失：请填写分母。",
    Rule.NUMERATOR_EXCEEDS_DENOMINATOR: "比率指标的分子大于分母：请核实。",
    Rule.CUMULATIVE_DECREASE: "本年累计数小于此前月份已报的累计数（或大于以后月份）：请核实累计口径。",
    Rule.LARGE_CHANGE: "期末数较上月变动超过 50%：请核实（仅提示）。",
    Rule.LATE_SUBMISSION: "该月快照已生成后才收到本报表（仅提示）。",
}
"""How to fix a problem of each rule, in Chinese (the rejection email's and the feedback's hint)."""

RULE_HINTS_EN: Mapping[Rule, str] = {
    Rule.UNREADABLE_FILE: "The file cannot be read: send an unencrypted, undamaged .xlsx or CSV file within "
                          "the size limit.",
    Rule.MISSING_METADATA: "Unit code, period or the table header is missing: fill in the header block and "
                           "the 指标代码/数值 header as in the template.",
    Rule.UNKNOWN_UNIT: "The unit code is not in the unit catalog: use the code you were given.",
    Rule.BAD_PERIOD: "The period cannot be read: write it as 2026-09 or 2026年9月.",
    Rule.FUTURE_PERIOD: "The period is after the current month: check the period.",
    Rule.UNKNOWN_INDICATOR: "The indicator code is not in the catalog: use the codes of the template, and "
                            "delete the rows of indicators the template does not have.",
    Rule.NOT_APPLICABLE: "The indicator does not apply to your unit type: clear the figures of that row.",
    Rule.DUPLICATE_INDICATOR: "The same indicator is reported more than once: keep one row per indicator.",
    Rule.NOT_A_NUMBER: "The figure is not a number: write digits only (thousands commas allowed).",
    Rule.FORMULA_WITHOUT_VALUE: "The formula has no computed result: recalculate and save in Excel, or type "
                                "the number.",
    Rule.UNIT_MISMATCH: "The measure unit differs from the catalog and cannot be converted: report in the "
                        "catalog's unit.",
    Rule.MISSING_VALUE: "A required indicator is missing or empty: fill in its figure.",
    Rule.NEGATIVE_VALUE: "The figure is negative: check it.",
    Rule.OUT_OF_RANGE: "The figure is outside the plausible range: check the unit and the digits.",
    Rule.ZERO_DENOMINATOR: "The ratio's denominator is 0 or missing: fill in the denominator.",
    Rule.NUMERATOR_EXCEEDS_DENOMINATOR: "The ratio's numerator exceeds its denominator: check both.",
    Rule.CUMULATIVE_DECREASE: "The year-to-date figure is below an earlier month's (or above a later "
                              "month's): check that it is cumulative from January.",
    Rule.LARGE_CHANGE: "The end-of-period figure changed by more than 50 % from last month: check it "
                       "(warning only).",
    Rule.LATE_SUBMISSION: "The month's snapshot was taken before this report arrived (warning only).",
}
"""How to fix a problem of each rule, in English."""


def hint(rule: Rule, lang: str = "zh") -> str:
    """How to fix a problem of ``rule``."""
    return (RULE_HINTS_EN if lang == "en" else RULE_HINTS)[rule]


GAP_TO_EXPECTED = Words(f"与序时进度的差距（{POINTS.zh}）", f"gap to expected progress ({POINTS.en})")
"""The axis of the alert digest's chart."""
ALERT_CHART_TITLE = Words(f"{STATUSES[Status.BEHIND].zh}（黄）与{STATUSES[Status.LAGGING].zh}（红）",
                          f"{STATUSES[Status.BEHIND].en} (amber) and {STATUSES[Status.LAGGING].en} (red)")
NO_CHANGE = Words("无变化", "no change")
"""A snapshot version whose rows equal the previous version's."""


def rank_of(rank: int | None, ranked: int | None) -> str:
    """A rank with its denominator: ``3/9`` (``—`` when there is none)."""
    if rank is None:
        return "—"
    return f"{rank}/{ranked}" if ranked else str(rank)

VERDICTS: Mapping[str, Words] = {
    "accepted": Words("通过", "accepted"),
    "rejected": Words("未通过（退回）", "rejected"),
    "duplicate": Words("重复文件", "duplicate"),
}
"""A submission's status as ``scorecard validate`` says it."""

HOW_TO_FIX = Words("修改方法", "how to fix")
NO_SUCH_FILE = Words("文件不存在", "no such file")
LANGUAGES = ("zh", "en")
