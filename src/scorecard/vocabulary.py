"""The controlled vocabulary of the contract: rule ids, kinds, statuses and tags, in one place."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """How an indicator accumulates over the year (contract §4)."""

    FLOW = "flow"
    STOCK = "stock"
    RATIO = "ratio"


class AppliesTo(StrEnum):
    ALL = "all"
    COUNTY = "county"
    PARK = "park"


class UnitType(StrEnum):
    COUNTY = "county"
    PARK = "park"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Rule(StrEnum):
    """Validation rule ids of contract §3."""

    UNREADABLE_FILE = "unreadable_file"
    MISSING_METADATA = "missing_metadata"
    UNKNOWN_UNIT = "unknown_unit"
    BAD_PERIOD = "bad_period"
    FUTURE_PERIOD = "future_period"
    UNKNOWN_INDICATOR = "unknown_indicator"
    NOT_APPLICABLE = "not_applicable"
    DUPLICATE_INDICATOR = "duplicate_indicator"
    NOT_A_NUMBER = "not_a_number"
    FORMULA_WITHOUT_VALUE = "formula_without_value"
    UNIT_MISMATCH = "unit_mismatch"
    MISSING_VALUE = "missing_value"
    NEGATIVE_VALUE = "negative_value"
    OUT_OF_RANGE = "out_of_range"
    ZERO_DENOMINATOR = "zero_denominator"
    NUMERATOR_EXCEEDS_DENOMINATOR = "numerator_exceeds_denominator"
    CUMULATIVE_DECREASE = "cumulative_decrease"
    LARGE_CHANGE = "large_change"
    LATE_SUBMISSION = "late_submission"

    @property
    def severity(self) -> Severity:
        return Severity.WARNING if self in WARNING_RULES else Severity.ERROR


WARNING_RULES = frozenset({Rule.LARGE_CHANGE, Rule.LATE_SUBMISSION})


class SubmissionStatus(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


class Status(StrEnum):
    """Snapshot row status (contract §4)."""

    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    LAGGING = "lagging"
    NO_DATA = "no_data"
    NO_TARGET = "no_target"


ALERT_STATUSES = frozenset({Status.BEHIND, Status.LAGGING})
SEVERITY = {Status.BEHIND: 1, Status.LAGGING: 2}
"""How bad an alert status is: a status more severe than the one already mailed is mailed again."""


class AlertKind(StrEnum):
    """What an email of the alert log is about."""

    STATUS = "status"
    MISSING = "missing"
    REJECTED = "rejected"

CITY = "CITY"
"""Reserved unit code of city-level rows and targets."""


class Tag(StrEnum):
    """Airflow DAG tags."""

    SCORECARD = "scorecard"
    INGEST = "ingest"
    SNAPSHOT = "snapshot"
    ALERTS = "alerts"
