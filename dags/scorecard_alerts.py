"""
### scorecard_alerts — progress alerts after each snapshot

Scheduled on the asset **`scorecard_snapshots`**: for every period a `scorecard_monthly_snapshot` run
announced, it alerts on the rows of the period's latest snapshot version whose status is `behind` or
`lagging` (data contract §5): each unit's contact and the data team get their rows, the team a digest
with the bulletin workbook attached (the one the event names, else the one the warehouse's `bulletins`
records). Every alert goes through the warehouse's alert log, so a re-run, a retry, or a new version
that changes nothing for a recipient sends nothing again.

**Only the latest period is mailed.** An earlier period the events name (a catch-up, a re-take after a
late file) mails nobody: the latest period's digest lists it as history. A version whose rows equal the
previous one's alerts no unit ("无变化" in the digest). Units get only their `lagging` rows and the
`behind` rows beyond `SCORECARD_ALERT_TOLERANCE_PP`, worst first, with what to do, by when and whom to
contact (Reply-To: `SCORECARD_REPLY_TO`).

**Param** `period` (`YYYY-MM`): trigger the alerts of any month by hand.

**Tasks**: `alert_requests` (the periods and bulletins the triggering events name) → `send_alerts`
(one mapped instance per period).

The missing-reports reminders run in their own DAG, `scorecard_reminders`, on a daily schedule.
Failures email the data team (`SCORECARD_TEAM_EMAILS`) through the `smtp_default` connection.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from scorecard import assets, dag_conventions, tasks
from scorecard.vocabulary import Tag


@dag(
    schedule=[assets.SNAPSHOTS],
    start_date=dag_conventions.START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=[Tag.SCORECARD, Tag.ALERTS],
    default_args=dag_conventions.default_args(),
    params={
        "period": dag_conventions.period_param(
            "Month to alert on, YYYY-MM; empty: the periods the event names."),
    },
)
def scorecard_alerts() -> None:
    @task
    def alert_requests(params: dict | None = None, triggering_asset_events=None) -> list[dict]:
        return tasks.alert_requests(params["period"], triggering_asset_events[assets.SNAPSHOTS])

    @task
    def send_alerts(period: str, bulletin: str | None) -> dict:
        return tasks.send_alerts(period, bulletin)

    send_alerts.expand_kwargs(alert_requests())


scorecard_alerts()
