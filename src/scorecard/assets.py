"""The Airflow Assets the scorecard DAGs produce and consume (light imports only: DAG files use it).

- ``SUBMISSIONS``: the warehouse's accepted submissions. ``scorecard_ingest`` emits an event whenever a
  run accepted at least one submission; its extra is ``{"periods": ["YYYY-MM", ...]}``, the periods of the
  newly accepted submissions. ``scorecard_monthly_snapshot`` is scheduled on it.
- ``SNAPSHOTS``: the warehouse's snapshots. ``scorecard_monthly_snapshot`` emits an event after it took
  snapshots and wrote their bulletins; its extra is ``{"snapshots": [{"period", "version", "files"}]}``.
  ``scorecard_alerts`` is scheduled on it.
"""

from __future__ import annotations

from airflow.sdk import Asset

GROUP = "scorecard"

SUBMISSIONS = Asset(name="scorecard_submissions", uri="scorecard://warehouse/submissions", group=GROUP)
SNAPSHOTS = Asset(name="scorecard_snapshots", uri="scorecard://warehouse/snapshots", group=GROUP)
