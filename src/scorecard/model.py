"""What a parsed submission looks like, shared by parsing, validation, loading and reporting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from scorecard.periods import Period
from scorecard.vocabulary import Rule, Severity, SubmissionStatus


@dataclass(frozen=True)
class Problem:
    """One finding of contract §3: a rule id, where it is, and a bilingual message a clerk can act on."""

    rule: Rule
    message_zh: str
    message_en: str
    cell: str | None = None
    line: int | None = None
    indicator_code: str | None = None

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    @property
    def message(self) -> str:
        return f"{self.message_zh} / {self.message_en}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": str(self.rule),
            "cell": self.cell,
            "line": self.line,
            "indicator_code": self.indicator_code,
            "message": self.message,
        }


@dataclass
class ReportedValue:
    """One indicator row of a submission, already converted to the catalog's measure unit.

    ``value`` is the figure the warehouse keeps: for a ratio, 100 × numerator / denominator.
    ``cells`` maps a field (``value``, ``numerator``, ``denominator``, ``indicator_code``,
    ``measure_unit``) to its workbook cell (``D12``); ``line`` is the CSV line. ``invalid_fields``
    names the fields the parser already reported a problem for (``not_a_number`` …, or
    ``indicator_code`` for an unknown or inapplicable indicator): later checks skip them.
    A row is present only when the unit reported something in it (a value, numerator or denominator).
    """

    indicator_code: str
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    note: str | None = None
    cells: dict[str, str] = field(default_factory=dict)
    line: int | None = None
    invalid_fields: set[str] = field(default_factory=set)

    def where(self, field_name: str = "value") -> dict[str, Any]:
        """``cell``/``line`` keyword arguments locating ``field_name`` of this row."""
        return {"cell": self.cells.get(field_name) or self.cells.get("indicator_code"), "line": self.line}


@dataclass(frozen=True)
class Rejection:
    """A rejected submission as it travels from loading to the unit's notice: the file (its location and
    content), the unit and period it names, its errors as the JSON answer gives them (contract §5), and
    the feedback workbook kept for it. ``as_json`` is the form it takes between Airflow tasks and in the
    alert log."""

    file: str
    sha256: str
    unit_code: str | None
    period: str | None
    errors: list[dict[str, Any]]
    feedback_path: str | None

    @property
    def file_name(self) -> str:
        return self.file.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256, "unit_code": self.unit_code, "period": self.period,
                "errors": self.errors, "feedback_path": self.feedback_path}

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Rejection:
        """The rejection ``as_json`` wrote; also one logged before it carried ``file`` and ``sha256``
        (``file_name`` then, and the log's ref for the content)."""
        return cls(document.get("file") or document.get("file_name") or "", document.get("sha256") or "",
                   document.get("unit_code") or None, document.get("period") or None,
                   list(document.get("errors") or []), document.get("feedback_path"))


@dataclass
class ParsedSubmission:
    """One unit's report for one month, as read from a workbook or from one group of a CSV."""

    file: str
    form: Literal["xlsx", "csv"]
    unit_code: str | None = None
    period: str | None = None
    submitted_at: datetime | None = None
    contact: str | None = None
    sheet: str | None = None
    rows: list[ReportedValue] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == Severity.WARNING]

    @property
    def status(self) -> SubmissionStatus:
        return SubmissionStatus.REJECTED if self.errors else SubmissionStatus.ACCEPTED

    @property
    def year(self) -> int | None:
        return Period.parse(self.period).year if self.period else None

    @property
    def month(self) -> int | None:
        return Period.parse(self.period).month if self.period else None

    def verdict(self, status: SubmissionStatus | None = None) -> dict[str, Any]:
        """The JSON answer of contract §5 for this submission."""
        return {
            "file": self.file,
            "status": str(status or self.status),
            "unit_code": self.unit_code,
            "period": self.period,
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
        }
