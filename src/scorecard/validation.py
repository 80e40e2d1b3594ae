"""Data rules of contract §3: value rules as GX suites, cross-period rules against the warehouse.

``check_data`` runs every suite under ``expectations/`` once over all rows of a batch of submissions and maps
each failing row back to its submission. ``check_history`` compares a batch with the in-force accepted
submissions the warehouse already holds for other months. Both append ``Problem``s to the submissions.
``validate_file`` (or ``validate_bytes``) and ``answer`` give the whole verdict on one file, as ``scorecard
validate`` and the warm validator of the scorecard app (``POST /scorecard/api/validate``) give it.

Great Expectations, pandas and SQLAlchemy are imported only by the functions that use them: importing Great
Expectations takes seconds, most of what a clerk waits for, and a file with no rows to check needs none.

Submissions of one batch are compared with the warehouse only, never with each other: the loader checks
and loads in path order, so a month loaded earlier in a run is already in the warehouse when a later one is
checked; a caller that checks a whole batch before loading any of it gets the warehouse's verdict alone.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scorecard import config, parsing, sources
from scorecard.catalog import Catalog, Indicator
from scorecard.memory import cyclic_gc_paused
from scorecard.model import ParsedSubmission, Problem, ReportedValue
from scorecard.periods import Period, PeriodError
from scorecard.vocabulary import Kind, Rule, SubmissionStatus

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Connection

NUMBER_FIELDS = ("value", "numerator", "denominator")
INDEX_COLUMNS = ["submission", "row"]
LARGE_CHANGE_SHARE = 0.5
"""A stock moving by more than this share of its previous accepted figure is a ``large_change``."""

_NO_HISTORY_RULES = frozenset({Rule.MISSING_METADATA, Rule.UNKNOWN_UNIT, Rule.BAD_PERIOD})
_FIELD_NAMES = {"value": ("数值", "value"), "numerator": ("分子", "numerator"),
                "denominator": ("分母", "denominator")}


class SuiteError(ValueError):
    """An expectation suite that does not follow the project's conventions, or that failed to run."""


# ---------------------------------------------------------------------------------------------------------
# check_data: the Great Expectations suites


def validate_file(uri: str, catalog: Catalog, conn: Connection | None = None,
                  today: date | None = None) -> list[ParsedSubmission]:
    """The verdict the pipeline would give ``uri``, without loading anything (``validate_bytes``)."""
    file = sources.read(uri, parsing.max_file_bytes())
    if file is None:
        raise FileNotFoundError(uri)
    return validate_bytes(uri, file.data, catalog, conn, today, refused=file.error)


def validate_bytes(name: str, data: bytes, catalog: Catalog, conn: Connection | None = None,
                   today: date | None = None, refused: str | None = None) -> list[ParsedSubmission]:
    """The verdict the pipeline would give the file ``data`` received as ``name``, or a file whose bytes were
    not read for the reason ``refused`` (``sources.FileBytes.error``), without loading anything.

    With a warehouse connection the cross-period rules run too; without one they are skipped. The cyclic
    garbage collector is paused, as for a chunk of ingest: importing Great Expectations and running it
    create hundreds of thousands of objects that live until the answer is given, and collecting them again
    and again took a fifth (0.5 s) of ``scorecard validate``.
    """
    with cyclic_gc_paused():
        subs = parsing.refused(name, refused) if refused else parsing.parse_file(name, data, catalog, today)
        check_data(subs, catalog)
        if conn is not None:
            check_history(conn, subs, catalog)
    return subs


def answer(file: str, submissions: list[ParsedSubmission]) -> dict[str, Any]:
    """The JSON answer of ``scorecard validate`` (contract §5): the verdict of the file's submission, or of a
    CSV of several, their errors and warnings together and each verdict under ``submissions``."""
    verdicts = [s.verdict() for s in submissions]
    if len(verdicts) == 1:
        return verdicts[0]
    rejected = any(v["status"] == "rejected" for v in verdicts)
    return {
        "file": file, "status": "rejected" if rejected else "accepted", "unit_code": None, "period": None,
        "errors": [e for v in verdicts for e in v["errors"]],
        "warnings": [w for v in verdicts for w in v["warnings"]],
        "submissions": verdicts,
    }


def check_data(submissions: list[ParsedSubmission], catalog: Catalog, suites_dir: Path | None = None) -> None:
    """Run each suite of ``suites_dir`` once over all rows of ``submissions``; append failures as Problems.

    Great Expectations is started only when there are rows to check. A suite speaks of rows only: a failure
    becomes a Problem through the row it names, so over no rows no suite, whatever it holds, can add one.
    Skipping GX then (a file unreadable, without a table, or whose rows all name unknown indicators)
    gives the same verdict seconds sooner. A file the parser rejected but that has rows still goes through
    every suite, since its report must name every problem (contract §3). The suites are read and their
    ``meta`` checked either way, so that a broken suite is refused on every call.
    """
    documents = _suite_documents(suites_dir or config.expectations_dir())
    records = _suite_rows(submissions, catalog)
    if not records or not documents:
        return
    suites = _expectation_suites(documents)
    frame = rows_frame(records)
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    found: list[tuple[int, int, int, Problem]] = []
    order = 0
    for suite in suites:
        result = batch.validate(suite, result_format={"result_format": "COMPLETE",
                                                      "unexpected_index_column_names": INDEX_COLUMNS})
        for outcome in result.results:
            order += 1
            _raise_on_exception(suite.name, outcome)
            if outcome.success:
                continue
            for hit in outcome.result.get("unexpected_index_list") or []:
                sub, row = int(hit["submission"]), int(hit["row"])
                problem = _problem(outcome.expectation_config, submissions[sub].rows[row], catalog)
                found.append((sub, row, order, problem))
    for sub, _row, _order, problem in sorted(found, key=lambda f: f[:3]):
        submissions[sub].problems.append(problem)


def _gx() -> Any:
    """Great Expectations, imported quiet: no analytics, and none of the thousands of debug lines its
    registries log on import (they buried each file's verdict in the task logs)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx

    return gx


def _suite_documents(folder: Path) -> list[dict[str, Any]]:
    """Every ``*.json`` suite of ``folder`` in name order, read afresh (editing a file changes the verdict),
    each expectation's ``meta`` checked; plain JSON, so that reading them needs no Great Expectations."""
    documents = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for expectation in data.get("expectations", []):
            _check_meta(path, expectation.get("meta") or {})
        documents.append(data)
    return documents


def load_suites(folder: Path) -> list[Any]:
    """The suites of ``folder`` (``_suite_documents``) as Great Expectations ``ExpectationSuite``s."""
    return _expectation_suites(_suite_documents(folder))


def _expectation_suites(documents: list[dict[str, Any]]) -> list[Any]:
    gx = _gx()
    return [gx.ExpectationSuite(**document) for document in documents]


def _check_meta(path: Path, meta: Mapping[str, Any]) -> None:
    if meta.get("rule_id") not in set(Rule):
        raise SuiteError(f"{path}: every expectation needs meta.rule_id, one of the contract's rule ids")
    if not meta.get("message_zh") or not meta.get("message_en"):
        raise SuiteError(f"{path}: every expectation needs meta.message_zh and meta.message_en")


def _suite_rows(submissions: list[ParsedSubmission], catalog: Catalog) -> list[dict[str, Any]]:
    """The rows the suites check, one per reported row of a known indicator (``rows_frame``'s records)."""
    return [
        _record(sub_index, row_index, row, catalog.indicators[row.indicator_code])
        for sub_index, submission in enumerate(submissions)
        for row_index, row in enumerate(submission.rows)
        if row.indicator_code in catalog.indicators and "indicator_code" not in row.invalid_fields
    ]


def rows_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The frame the suites check, of ``_suite_rows``.

    Columns: ``submission`` and ``row`` (indexes into the batch), ``indicator_code``, ``kind``, ``value``,
    ``numerator``, ``denominator`` (null when not reported or flagged by the parser), the catalog's
    ``min_value``/``max_value``, and ``value_valid``, ``numerator_valid``, ``denominator_valid`` (false when
    the parser already reported a problem for that field).
    """
    import pandas as pd

    columns = {"submission": "int64", "row": "int64", "indicator_code": "str", "kind": "str",
               **dict.fromkeys((*NUMBER_FIELDS, "min_value", "max_value"), "float64"),
               **{f"{name}_valid": "bool" for name in NUMBER_FIELDS}}
    return pd.DataFrame.from_records(records, columns=list(columns)).astype(columns)


def _record(sub_index: int, row_index: int, row: ReportedValue, indicator: Indicator) -> dict[str, Any]:
    numbers = {name: _number(row, name) for name in NUMBER_FIELDS}
    return {
        "submission": sub_index,
        "row": row_index,
        "indicator_code": row.indicator_code,
        "kind": str(indicator.kind),
        **{name: math.nan if value is None else value for name, value in numbers.items()},
        "min_value": math.nan if indicator.min_value is None else indicator.min_value,
        "max_value": math.nan if indicator.max_value is None else indicator.max_value,
        **{f"{name}_valid": name not in row.invalid_fields for name in NUMBER_FIELDS},
    }


def _number(row: ReportedValue, name: str) -> float | None:
    return None if name in row.invalid_fields else getattr(row, name)


def _problem(expectation: Any, row: ReportedValue, catalog: Catalog) -> Problem:
    meta = expectation.meta
    field_name = meta.get("field") or expectation.kwargs.get("column") or "value"
    indicator = catalog.indicators[row.indicator_code]
    values = _Placeholders(
        indicator_code=row.indicator_code, name_zh=indicator.name_zh, name_en=indicator.name_en,
        measure_unit=indicator.measure_unit,
        **{name: _fmt(getattr(row, name)) for name in NUMBER_FIELDS},
        min_value=_fmt(indicator.min_value), max_value=_fmt(indicator.max_value),
    )
    return Problem(Rule(meta["rule_id"]), meta["message_zh"].format_map(values),
                   meta["message_en"].format_map(values), indicator_code=row.indicator_code,
                   **row.where(field_name))


class _Placeholders(dict[str, str]):
    """Message template values; an unknown placeholder stays as written rather than failing the run."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fmt(number: float | None) -> str:
    return "—" if number is None else format(number, ".12g")


def _raise_on_exception(suite_name: str, outcome: Any) -> None:
    info = outcome.exception_info or {}
    infos = [info] if "raised_exception" in info else list(info.values())
    for item in infos:
        if item.get("raised_exception"):
            raise SuiteError(f"suite {suite_name}: {outcome.expectation_config.type} failed to run: "
                             f"{item.get('exception_message')}")


def start_great_expectations() -> None:
    """Import Great Expectations and build its context now, once per process (processes forked after
    this inherit both instead of paying seconds each)."""
    _batch_definition()


@cache
def _batch_definition() -> Any:
    """The whole-dataframe batch definition of an ephemeral GX context, created once per process, silenced
    and without a Data Docs site (nobody reads the one GX would build in a temporary folder per run)."""
    gx = _gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(), data_docs_sites={},
                               analytics_enabled=False)
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    asset = context.data_sources.add_pandas("scorecard_submissions").add_dataframe_asset("reported_rows")
    return asset.add_batch_definition_whole_dataframe("all_rows")


# ---------------------------------------------------------------------------------------------------------
# check_history: the cross-period rules


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
    snapshots = _snapshots(conn, sorted({d.period for d in batch}))
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


def _expanding(name: str, *keys: str) -> Any:
    """The statement ``name`` with the list parameters ``keys`` expanded into ``in (…)``."""
    import sqlalchemy as sa

    from scorecard import warehouse

    return warehouse.sql(name).bindparams(*(sa.bindparam(key, expanding=True) for key in keys))


def _same_year_figures(conn: Connection, units: list[str], years: list[int]
                       ) -> dict[tuple[str, int, str], list[_Figure]]:
    statement = _expanding("select_history_same_year", "unit_codes", "years")
    figures: dict[tuple[str, int, str], list[_Figure]] = defaultdict(list)
    for r in conn.execute(statement, {"unit_codes": units, "years": years,
                                      "accepted": str(SubmissionStatus.ACCEPTED)}):
        figures[(r.unit_code, r.year, r.indicator_code)].append(
            _Figure(r.period, r.month, r.value, r.numerator, r.denominator))
    return figures


def _previous_figures(conn: Connection, units: list[str], before: str
                      ) -> dict[str, list[tuple[str, dict[str, float | None]]]]:
    """Per unit, its in-force periods before ``before`` (newest first), each with its stock values."""
    statement = _expanding("select_history_previous", "unit_codes")
    periods: dict[str, dict[str, dict[str, float | None]]] = defaultdict(dict)
    for r in conn.execute(statement, {"unit_codes": units, "before": before,
                                      "accepted": str(SubmissionStatus.ACCEPTED), "stock": str(Kind.STOCK)}):
        values = periods[r.unit_code].setdefault(r.period, {})
        if r.indicator_code is not None:
            values[r.indicator_code] = r.value
    return {unit: sorted(by_period.items(), reverse=True) for unit, by_period in periods.items()}


def _snapshots(conn: Connection, periods: list[str]) -> dict[str, Any]:
    statement = _expanding("select_snapshotted_periods", "periods")
    return {r.period: r for r in conn.execute(statement, {"periods": periods})}


def _tolerance(figure: float) -> float:
    """Room for floating-point noise from unit conversion (元 → 万元), never for a real difference."""
    return 1e-9 * max(1.0, abs(figure))


def _cumulative(submission: _Dated, row: ReportedValue, indicator: Indicator,
                history: list[_Figure]) -> list[Problem]:
    fields = ("value",) if indicator.kind == Kind.FLOW else ("numerator", "denominator")
    problems = []
    for field_name in fields:
        new = _number(row, field_name)
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
    zh_field, en_field = _FIELD_NAMES[field_name]
    if earlier:
        zh = (f"{row.indicator_code} 本年累计{zh_field} {_fmt(new)} 低于此前 {other.period} 已接受的 "
              f"{_fmt(old)}；累计数不应减少，请核实")
        en = (f"year-to-date {en_field} {_fmt(new)} of {row.indicator_code} is below {_fmt(old)} accepted "
              f"for the earlier month {other.period}; a cumulative figure cannot decrease")
    else:
        zh = (f"{row.indicator_code} 本年累计{zh_field} {_fmt(new)} 高于此后 {other.period} 已接受的 "
              f"{_fmt(old)}；累计数不应减少，请核实")
        en = (f"year-to-date {en_field} {_fmt(new)} of {row.indicator_code} is above {_fmt(old)} accepted "
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
    new = _number(row, "value")
    earlier = [(period, values) for period, values in previous.get(submission.unit, [])
               if period < submission.period]
    if new is None or not earlier:
        return []
    period, values = earlier[0]
    old = values.get(row.indicator_code)
    if old is None or abs(new - old) <= LARGE_CHANGE_SHARE * old:
        return []
    if old == 0:
        zh = f"{row.indicator_code} 期末数由上期 {period} 的 0 变为 {_fmt(new)}，请核实"
        en = f"{row.indicator_code} rose from 0 in the previous month {period} to {_fmt(new)}; please check"
    else:
        change = 100 * (new - old) / old
        zh = (f"{row.indicator_code} 期末数 {_fmt(new)} 较上期 {period} 的 {_fmt(old)} 变动 {change:+.1f}%，"
              f"超过 ±50%，请核实")
        en = (f"{row.indicator_code} moved {change:+.1f}% from {_fmt(old)} in the previous month {period} "
              f"to {_fmt(new)} (more than 50 %); please check")
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
