"""The glue the DAG tasks call, on a real warehouse: which periods a run is about."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from scorecard import snapshots, tasks
from scorecard.periods import PeriodError

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


@dataclass
class Event:
    """Stands in for Airflow's triggering asset event: the tasks read only its ``extra``."""

    extra: dict = field(default_factory=dict)


@pytest.fixture
def snapshotted(engine, warehouse_url: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A warehouse (the one the tasks open) holding snapshots of July, August and September 2026."""
    monkeypatch.setenv("SCORECARD_DB_URL", warehouse_url)
    periods = ["2026-07", "2026-08", "2026-09"]
    for period in periods:
        snapshots.take(engine, period)
    return periods


@pytest.mark.parametrize(("changed", "expected"), [
    (["2026-08"], ["2026-08", "2026-09"]),
    (["2026-09", "2026-07"], ["2026-07", "2026-08", "2026-09"]),
    (["2026-10"], []),
    (["2025-12"], ["2026-07", "2026-08", "2026-09"]),
    (["2024-12"], []),
])
def test_submissions_event_retakes_the_snapshotted_periods_it_affects(snapshotted, changed, expected) -> None:
    events = [Event({"periods": [p]}) for p in changed]

    assert tasks.snapshot_periods(None, NOW, events) == expected


def test_period_param_wins_and_a_plain_run_is_about_the_previous_month(snapshotted) -> None:
    events = [Event({"periods": ["2026-08"]})]

    assert tasks.snapshot_periods("2026-05", NOW, events) == ["2026-05"]
    assert tasks.snapshot_periods(None, NOW, []) == ["2026-10"]
    with pytest.raises(PeriodError):
        tasks.snapshot_periods("2026-13", NOW, [])
