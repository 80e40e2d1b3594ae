"""Sample submissions written to the contract (§2): a realistic year for the sample city, synthetic months
for benchmarks.

Everything here is deterministic: the same catalog, targets and seed give byte-identical files.

- :mod:`~scorecard.samples.submission`: a submission before it is written, and what the generators share;
- :mod:`~scorecard.samples.layouts`: the units' workbook and CSV layouts, and a submission written in one;
- :mod:`~scorecard.samples.year`: the sample city's year, with a correction and the bad files;
- :mod:`~scorecard.samples.bad_files`: the deliberately bad files, one per rule of §3;
- :mod:`~scorecard.samples.synthetic`: any number of synthetic units and their months, for benchmarks.
"""

from scorecard.samples.bad_files import BAD_MARK, BAD_RULES, NEEDS_HISTORY, intended_rule
from scorecard.samples.layouts import (
    CSV_COLUMNS,
    HEADERS,
    META_LABELS,
    MONEY_ALIASES,
    UNIT_STYLES,
    CsvStyle,
    Style,
    WorkbookStyle,
    csv_bytes,
    workbook_bytes,
)
from scorecard.samples.submission import COUNT_UNITS, MONEY_UNIT, Figure, SampleSubmission
from scorecard.samples.synthetic import (
    generate_month,
    synthetic_catalog,
    synthetic_report,
    synthetic_target,
    synthetic_targets,
    write_catalog,
    write_targets,
)
from scorecard.samples.year import default_targets, generate_year, read_targets, year_reports

__all__ = [
    "BAD_MARK", "BAD_RULES", "COUNT_UNITS", "CSV_COLUMNS", "HEADERS", "META_LABELS", "MONEY_ALIASES",
    "MONEY_UNIT", "NEEDS_HISTORY", "UNIT_STYLES", "CsvStyle", "Figure", "SampleSubmission", "Style",
    "WorkbookStyle", "csv_bytes", "default_targets", "generate_month", "generate_year", "intended_rule",
    "read_targets", "synthetic_catalog", "synthetic_report", "synthetic_target", "synthetic_targets",
    "workbook_bytes", "write_catalog", "write_targets", "year_reports",
]
