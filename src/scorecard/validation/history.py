"""The cross-period rules of contract §3, against the in-force accepted submissions the warehouse holds.

Submissions of one batch are compared with the warehouse only, never with each other: the loader checks
and loads in path order, so a month loaded earlier in a run is already in the warehouse when a later one
is checked; a caller that checks a whole batch before loading any of it gets the warehouse's verdict alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scorecard.catalog import Catalog, Indicator
from scorecard.model import ParsedSubmission, Problem, ReportedValue
from scorecard.periods import Period, PeriodError
from scorecard.validation.figures import FIELD_NAMES, field_number, shown
from scorecard.vocabulary import Kind, Rule, SubmissionStatus

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

LARGE_CHANGE_SHARE = 0.5
"""A stock moving by more than this share of its previous accepted figure is a ``large_change``."""

_NO_HISTORY_RULES = frozenset({Rule.MISSING_METADATA, Rule.UNKNOWN_UNIT, Rule.BAD_PERIOD})


@dataclass(frozen=True)
class _Figure:
    """One in-force accepted figure the warehouse holds."""

    period: str
    month: int
    value: float | None
    numerator: float | None
    denominator: float | None


@dataclass(frozen=True)
class _Dated:
    """A submission naming a known unit and a valid period: one that has a history."""

    submission: ParsedSubmission
    unit: str
    month_of: Period

    @property
    def period(self) -> str:
        return str(self.month_of)

    @property
    def year(self) -> int:
        return self.month_of.year

    @property
    def month(self) -> int:
        return self.month_of.month


def check_history(conn: Connection, submissions: list[ParsedSubmission], catalog: Catalog) -> None:
    """Check ``submissions`` against the in-force accepted submissions of other periods in the warehouse."""
    batch = [d for d in (_dated(s, catalog) for s in submissions) if d is not None]
    if not batch:
        return
    units = sorted({d.unit for d in batch})
    same_year = _same_year_figures(conn, units, sorted({d.year for d in batch}))
    previous = _previous_figures(conn, units, max(d.period for d in batch))
    from scorecard.snapshots import snapshotted

    snapshots = snapshotted(conn, sorted({d.period for d in batch}))
    for dated in batch:
        problems = dated.submission.problems
        problems.extend(_late(dated, snapshots))
        for row in dated.submission.rows:
            indicator = catalog.indicators.get(row.indicator_code)
            if indicator is None or "indicator_code" in row.invalid_fields:
                continue
            if indicator.kind == Kind.STOCK:
                problems.extend(_large_change(dated, row, previous))
            else:
                history = same_year.get((dated.unit, dated.year, row.indicator_code), [])
                problems.extend(_cumulative(dated, row, indicator, history))


def _dated(submission: ParsedSubmission, catalog: Catalog) -> _Dated | None:
    """The submission with its unit and period when both are valid, so that history applies; else None."""
    unit, period = submission.unit_code, submission.period
    if unit is None or unit not in catalog.units or period is None:
        return None
    if any(p.rule in _NO_HISTORY_RULES for p in submission.problems):
        return None
    try:
        return _Dated(submission, unit, Period.parse(period))
    except PeriodError:
        return None


def _same_year_figures(conn: Connection, units: list[str], years: list[int]
                       ) -> dict[tuple[str, int, str], list[_Figure]]:
    from scorecard.warehouse import sql_with_lists

    statement = sql_with_lists("select_history_same_year", "unit_codes", numbers=("years",))
    figures: dict[tuple[str, int, str], list[_Figure]] = defaultdict(list)
    for r in conn.execute(statement, {"unit_codes": units, "years": years,
                                      "accepted": str(SubmissionStatus.ACCEPTED)}):
        figures[(r.unit_code, r.year, r.indicator_code)].append(
            _Figure(r.period, r.month, r.value, r.numerator, r.denominator))
    return figures


def _previous_figures(conn: Connection, units: list[str], before: str
                      ) -> dict[str, list[tuple[str, dict[str, float | None]]]]:
    """Per unit, its in-force periods before ``before`` (newest first), each with its stock values."""
    from scorecard.warehouse import sql_with_lists

    statement = sql_with_lists("select_history_previous", "unit_codes")
    periods: dict[str, dict[str, dict[str, float | None]]] = defaultdict(dict)
    for r in conn.execute(statement, {"unit_codes": units, "before": before,
                                      "accepted": str(SubmissionStatus.ACCEPTED), "stock": str(Kind.STOCK)}):
        values = periods[r.unit_code].setdefault(r.period, {})
        if r.indicator_code is not None:
            values[r.indicator_code] = r.value
    return {unit: sorted(by_period.items(), reverse=True) for unit, by_period in periods.items()}


def _tolerance(figure: float) -> float:
    """Room for floating-point noise from unit conversion (元 → 万元), never for a real difference."""
    return 1e-9 * max(1.0, abs(figure))


def _cumulative(submission: _Dated, row: ReportedValue, indicator: Indicator,
                history: list[_Figure]) -> list[Problem]:
    fields = ("value",) if indicator.kind == Kind.FLOW else ("numerator", "denominator")
    problems = []
    for field_name in fields:
        new = field_number(row, field_name)
        if new is None:
            continue
        known = [(f, getattr(f, field_name)) for f in history if getattr(f, field_name) is not None]
        above = [(f, old) for f, old in known if f.month < submission.month and old > new + _tolerance(old)]
        below = [(f, old) for f, old in known if f.month > submission.month and old < new - _tolerance(old)]
        if above:
            nearest = max(above, key=lambda h: h[0].month)
            problems.append(_decrease(row, field_name, new, *nearest, earlier=True))
        if below:
            nearest = min(below, key=lambda h: h[0].month)
            problems.append(_decrease(row, field_name, new, *nearest, earlier=False))
    return problems


def _decrease(row: ReportedValue, field_name: str, new: float, other: _Figure, old: float,
              earlier: bool) -> Problem:
    zh_field, en_field = FIELD_NAMES[field_name]
    if earlier:
        zh = (f"{row.indicator_code} 本年累计{zh_field} {shown(new)} 低于此前 {other.period} 已接受的 "
              f"{shown(old)}；累计数不应减少，请核实")
        en = (f"year-to-date {en_field} {shown(new)} of {row.indicator_code} is below {shown(old)} accepted "
              f"for the earlier month {other.period}; a cumulative figure cannot decrease")
    else:
        zh = (f"{row.indicator_code} 本年累计{zh_field} {shown(new)} 高于此后 {other.period} 已接受的 "
              f"{shown(old)}；累计数不应减少，请核实")
        en = (f"year-to-date {en_field} {shown(new)} of {row.indicator_code} is above {shown(old)} accepted "
              f"for the later month {other.period}; a cumulative figure cannot decrease")
    return Problem(Rule.CUMULATIVE_DECREASE, zh, en, indicator_code=row.indicator_code,
                   **row.where(field_name))


def _large_change(submission: _Dated, row: ReportedValue,
                  previous: Mapping[str, list[tuple[str, dict[str, float | None]]]]) -> list[Problem]:
    """A stock moving by more than half its figure of the unit's previous accepted month.

    From 0 to any positive figure counts as a large change: the formula |new − old| > 0.5 × old says so, and
    a stock appearing from nothing (or a unit's first real figure after reporting 0) is worth a clerk's look.
    A warning never rejects, so the cost of asking is small.
    """
    new = field_number(row, "value")
    earlier = [(period, values) for period, values in previous.get(submission.unit, [])
               if period < submission.period]
    if new is None or not earlier:
        return []
    period, values = earlier[0]
    old = values.get(row.indicator_code)
    if old is None or abs(new - old) <= LARGE_CHANGE_SHARE * old:
        return []
    if old == 0:
        zh = f"{row.indicator_code} 期末数由上期 {period} 的 0 变为 {shown(new)}，请核实"
        en = f"{row.indicator_code} rose from 0 in the previous month {period} to {shown(new)}; please check"
    else:
        change = 100 * (new - old) / old
        zh = (f"{row.indicator_code} 期末数 {shown(new)} 较上期 {period} 的 {shown(old)} "
              f"变动 {change:+.1f}%，超过 ±50%，请核实")
        en = (f"{row.indicator_code} moved {change:+.1f}% from {shown(old)} in the previous month {period} "
              f"to {shown(new)} (more than 50 %); please check")
    return [Problem(Rule.LARGE_CHANGE, zh, en, indicator_code=row.indicator_code, **row.where("value"))]


def _late(submission: _Dated, snapshots: Mapping[str, Any]) -> list[Problem]:
    snapshot = snapshots.get(submission.period)
    if snapshot is None:
        return []
    taken = str(snapshot.taken_at)[:16]
    zh = (f"报告期 {submission.period} 的月度快照已于 {taken} 生成（第 {snapshot.version} 版），本次为迟报，"
          f"需重新生成快照后才计入")
    en = (f"the snapshot of {submission.period} was already taken at {taken} (version {snapshot.version}); "
          f"this late report counts only once the snapshot is taken again")
    return [Problem(Rule.LATE_SUBMISSION, zh, en)]
