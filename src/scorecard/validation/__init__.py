"""Data rules of contract §3: value rules as Great Expectations suites (``suites``), cross-period rules
against the warehouse (``history``), and the whole verdict on one file (``verdicts``). Both kinds of rules
append ``Problem``s to the submissions they check.
"""

from scorecard.validation.history import check_history
from scorecard.validation.suites import (
    SuiteError,
    check_data,
    load_suites,
    rows_frame,
    start_great_expectations,
)
from scorecard.validation.verdicts import answer, validate_bytes, validate_file

__all__ = ["SuiteError", "answer", "check_data", "check_history", "load_suites", "rows_frame",
           "start_great_expectations", "validate_bytes", "validate_file"]
