"""The value rules of contract §3 as Great Expectations suites (``expectations/*.json``, live configuration).

``check_data`` runs every suite once over all rows of a batch of submissions and maps each failing row back
to its submission. Great Expectations and pandas are imported only by the functions that use them:
importing Great Expectations takes seconds, and a file with no rows to check needs none.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scorecard import config
from scorecard.catalog import Catalog, Indicator
from scorecard.model import ParsedSubmission, Problem, ReportedValue
from scorecard.validation.figures import NUMBER_FIELDS, field_number, shown
from scorecard.vocabulary import Rule

if TYPE_CHECKING:
    import pandas as pd

INDEX_COLUMNS = ["submission", "row"]


class SuiteError(ValueError):
    """An expectation suite that does not follow the project's conventions, or that failed to run."""


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
    numbers = {name: field_number(row, name) for name in NUMBER_FIELDS}
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


def _problem(expectation: Any, row: ReportedValue, catalog: Catalog) -> Problem:
    meta = expectation.meta
    field_name = meta.get("field") or expectation.kwargs.get("column") or "value"
    indicator = catalog.indicators[row.indicator_code]
    values = _Placeholders(
        indicator_code=row.indicator_code, name_zh=indicator.name_zh, name_en=indicator.name_en,
        measure_unit=indicator.measure_unit,
        **{name: shown(getattr(row, name)) for name in NUMBER_FIELDS},
        min_value=shown(indicator.min_value), max_value=shown(indicator.max_value),
    )
    return Problem(Rule(meta["rule_id"]), meta["message_zh"].format_map(values),
                   meta["message_en"].format_map(values), indicator_code=row.indicator_code,
                   **row.where(field_name))


class _Placeholders(dict[str, str]):
    """Message template values; an unknown placeholder stays as written rather than failing the run."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


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
