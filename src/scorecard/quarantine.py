"""Quarantine of rejected files: original bytes, a JSON report, and a feedback workbook for the unit."""

from __future__ import annotations

import json
from dataclasses import dataclass

from scorecard import feedback, sources
from scorecard.model import ParsedSubmission


@dataclass(frozen=True)
class QuarantinedFile:
    stored_path: str
    report_path: str
    feedback_path: str | None


def report(uri: str, sha256: str, submissions: list[ParsedSubmission]) -> dict:
    return {"file": uri, "sha256": sha256, "submissions": [s.verdict() for s in submissions]}


def store(root: str, file_id: int, name: str, data: bytes, sha256: str,
          submissions: list[ParsedSubmission]) -> QuarantinedFile:
    """Keep the original bytes, the JSON report and the feedback workbook under ``root/<file_id>/``."""
    folder = sources.join(root, f"{file_id:08d}")
    stored = sources.write_bytes(sources.join(folder, name), data)
    document = json.dumps(report(name, sha256, submissions), ensure_ascii=False, indent=2)
    report_path = sources.write_bytes(sources.join(folder, "report.json"), document.encode("utf-8"))
    workbook = feedback.feedback_workbook(data, submissions)
    stem = name.rsplit(".", 1)[0]
    feedback_path = (sources.write_bytes(sources.join(folder, f"{stem}_反馈_feedback.xlsx"), workbook)
                     if workbook is not None else None)
    return QuarantinedFile(stored, report_path, feedback_path)
