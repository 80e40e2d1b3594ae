"""
### scorecard_monthly_snapshot — the month's scorecard and its bulletin

Takes the snapshot of a period (data contract §4: every unit's and the city's figures against the
annual targets, versioned and immutable) and writes its bulletin into the output folder
(`SCORECARD_OUTPUT`, default `<data dir>/bulletins`).

**Schedule**: 06:00 Asia/Shanghai on the 5th of every month, for the *previous* month (read from the
run's logical date, so a re-run or backfill is about the same month); **and** whenever
`scorecard_ingest` announces accepted submissions (asset **`scorecard_submissions`**). Such a run
re-takes only the periods that already have a snapshot and that the late or corrected submissions
may change (their month and the later ones, the stock baselines of the next year); a period whose
inputs did not change keeps its version. Periods never snapshotted wait for their monthly run.

**Param** `period` (`YYYY-MM`): trigger or backfill any month; it takes precedence over the rest.

**Tasks**: `periods_to_take` → `take_snapshot` (one mapped instance per period) → `write_bulletin`
(its paths are logged and returned as XCom) → `announce_snapshots`, which emits an event of the
asset **`scorecard_snapshots`** with `extra.snapshots` = `[{period, version, snapshot_id, files}]`;
`scorecard_alerts` is scheduled on it. A run with no period to take emits nothing.

Failures email the data team (`SCORECARD_TEAM_EMAILS`) through the `smtp_default` connection.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, dag, task

from scorecard import assets, dag_conventions, tasks
from scorecard.vocabulary import Tag


@dag(
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 6 5 * *", timezone=dag_conventions.TIMEZONE),
        assets=assets.SUBMISSIONS,
    ),
    start_date=dag_conventions.START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=[Tag.SCORECARD, Tag.SNAPSHOT],
    default_args=dag_conventions.default_args(),
    params={
        "period": dag_conventions.period_param(
            "Month to snapshot, YYYY-MM; empty: the month before the run's date."),
    },
)
def scorecard_monthly_snapshot() -> None:
    @task
    def periods_to_take(params: dict | None = None, logical_date: datetime | None = None, dag_run=None,
                        triggering_asset_events=None) -> list[str]:
        return tasks.snapshot_periods(params["period"], logical_date or dag_run.run_after,
                                      triggering_asset_events[assets.SUBMISSIONS])

    @task
    def take_snapshot(period: str, run_id: str | None = None) -> dict:
        return tasks.take_snapshot(period, run_id)

    @task
    def write_bulletin(snapshot: dict) -> dict:
        return tasks.write_bulletin(snapshot)

    @task(outlets=[assets.SNAPSHOTS])
    def announce_snapshots(bulletins: list[dict], outlet_events=None) -> list[dict]:
        return tasks.announce_snapshots(bulletins, outlet_events[assets.SNAPSHOTS])

    snapshots = take_snapshot.expand(period=periods_to_take())
    announce_snapshots(write_bulletin.expand(snapshot=snapshots))


scorecard_monthly_snapshot()
