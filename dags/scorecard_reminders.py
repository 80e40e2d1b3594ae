"""
### scorecard_reminders — reminders for missing monthly reports

Every day at 09:00 Asia/Shanghai this DAG looks at the month before the run's date. From that
period's reporting deadline on (day `SCORECARD_REPORTING_DEADLINE_DAY` of the following month,
default the 3rd) it reminds each unit that has no accepted report for it, and sends the data team the
list. Each unit is reminded once per period (the warehouse's alert log), so the daily runs after the
deadline only catch up what a failed run could not send, and the runs before it send nothing: the
deadline is read from configuration when the task runs, not baked into the schedule.

**Param** `period` (`YYYY-MM`): remind for another month (still only from its deadline on).

Failures email the data team (`SCORECARD_TEAM_EMAILS`) through the `smtp_default` connection.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task

from scorecard import dag_conventions, tasks
from scorecard.vocabulary import Tag


@dag(
    schedule="0 9 * * *",
    start_date=dag_conventions.START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=[Tag.SCORECARD, Tag.ALERTS],
    default_args=dag_conventions.default_args(),
    params={
        "period": dag_conventions.period_param(
            "Month to remind for, YYYY-MM; empty: the month before the run's date."),
    },
)
def scorecard_reminders() -> None:
    @task
    def remind_missing(params: dict | None = None, logical_date: datetime | None = None,
                       dag_run=None) -> dict:
        return tasks.remind_missing(params["period"], logical_date or dag_run.run_after)

    remind_missing()


scorecard_reminders()
