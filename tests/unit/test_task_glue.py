"""The glue the DAG tasks call, without a warehouse: dates, event extras, summaries."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from scorecard import tasks


@dataclass
class Event:
    """Stands in for Airflow's asset event objects: the tasks read and write only its ``extra``."""

    extra: dict = field(default_factory=dict)


def test_alert_requests_follow_the_snapshot_events_with_their_workbook() -> None:
    events = [
        Event({"snapshots": [{"period": "2026-09", "version": 2, "files": ["/b/v2.xlsx", "/b/v2.html"]}]}),
        Event({"snapshots": [{"period": "2026-08", "version": 3, "files": ["/b/v3.html"]}]}),
    ]

    assert tasks.alert_requests(None, events) == [{"period": "2026-08", "bulletin": None},
                                                  {"period": "2026-09", "bulletin": "/b/v2.xlsx"}]
    assert tasks.alert_requests("2026-07", events) == [{"period": "2026-07", "bulletin": None}]


def verdict(file: str, status: str, period: str = "2026-09") -> dict:
    """A contract §5 entry of an ingest batch's answer."""
    return {"file": file, "status": status, "unit_code": "C01", "period": period, "errors": [],
            "warnings": []}


def test_summary_counts_the_finished_batches_and_fails_the_run_for_a_missing_one() -> None:
    from airflow.sdk.exceptions import AirflowException

    batches = [["a.xlsx", "b.xlsx"], ["c.csv"]]
    results = [{"submissions": [verdict("a.xlsx", "accepted", "2026-08"), verdict("b.xlsx", "rejected")],
                "rejections": []}]

    assert tasks.summarise_ingest(batches[:1], results) == {
        "accepted": 1, "rejected": 1, "duplicate": 0, "files": 2, "batches": 1, "periods": ["2026-08"]}
    with pytest.raises(AirflowException, match="1 of 2 ingest batches were not loaded"):
        tasks.summarise_ingest(batches, results)


def test_submissions_event_only_when_something_was_accepted() -> None:
    from airflow.sdk.exceptions import AirflowSkipException

    event = Event()
    with pytest.raises(AirflowSkipException):
        tasks.announce_submissions([{"submissions": [verdict("b.xlsx", "rejected")]}], event)
    assert event.extra == {}

    accepted = [{"submissions": [verdict("a.xlsx", "accepted"), verdict("a2.xlsx", "duplicate", "2026-07")]}]
    assert tasks.announce_submissions(accepted, event) == ["2026-09"]
    assert event.extra == {"periods": ["2026-09"]}
