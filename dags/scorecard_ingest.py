"""
### scorecard_ingest — receive the units' monthly submissions

Every 15 minutes (and on demand) this DAG takes every file of the inbox that was not received yet,
in path order, and parses, validates and loads it into the warehouse, or quarantines it with a
feedback workbook naming every problem (data contract §2–§3).

**Tasks**
- `list_pending`: the files not yet received, cut into batches of `batch_size` files.
- `prepare_batch`: one mapped instance per batch, side by side on any Celery worker: reads, parses and
  checks its files with the Great Expectations suites, and keeps the result in the warehouse.
- `load_batches`: loads the prepared batches one after the other, in receiving order (the receiving
  order decides which of two versions of a report is in force), one log line per file.
- `summarise`: counts of accepted / rejected / duplicate submissions; it fails the run when a batch
  could not be prepared (its files are taken again by the next run), after counting the others.
- `announce_submissions`: emits an event of the **`scorecard_submissions`** asset, with
  `extra.periods` = the periods of the newly accepted submissions, *only when something was
  accepted* (otherwise it is skipped): that event makes `scorecard_monthly_snapshot` re-take the
  snapshots a late or corrected submission affects, and a run that received nothing wakes nobody.
- `notify_rejections`: emails each rejected file's errors (and its feedback workbook) to the unit's
  contact, once per file content; then `resend_rejection_notices`, in every run, resends the
  notices whose delivery failed before (an SMTP outage delays a notice, never loses it).
- A run that finds no new file skips `prepare_batch`, `load_batches` and the three tasks that read
  its results.
- `load_targets`: loads the annual target files dropped in `<inbox>/targets/`, each whole or not at
  all. New targets do not trigger snapshots: re-run `scorecard_monthly_snapshot` with `period` set.

**Params**: `inbox` — a local folder or any ObjectStoragePath URL (`s3://…`, `sftp://…`); empty means
`SCORECARD_INBOX`, else `<data dir>/inbox`. `batch_size` — files per `prepare_batch` (default 500).

Failures email the data team (`SCORECARD_TEAM_EMAILS`) through the `smtp_default` connection.
"""

from __future__ import annotations

from airflow.sdk import Param, TriggerRule, dag, task

from scorecard import assets, dag_conventions, tasks
from scorecard.vocabulary import Tag


@dag(
    schedule="*/15 * * * *",
    start_date=dag_conventions.START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=[Tag.SCORECARD, Tag.INGEST],
    default_args=dag_conventions.default_args(),
    params={
        "inbox": Param(None, type=["null", "string"],
                       description="Inbox folder or URL; empty: SCORECARD_INBOX, else <data dir>/inbox."),
        "batch_size": Param(dag_conventions.BATCH_SIZE, type="integer", minimum=1,
                            description="Files per mapped prepare_batch task."),
    },
)
def scorecard_ingest() -> None:
    @task
    def list_pending(params: dict | None = None) -> list[list[str]]:
        return tasks.pending_batches(params["inbox"], params["batch_size"])

    @task
    def prepare_batch(uris: list[str], run_id: str | None = None, ti=None) -> dict:
        return tasks.prepare_batch(uris, run_id, ti.map_index)

    @task(trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS)
    def load_batches(batches: list[list[str]], prepared: list[dict], run_id: str | None = None) -> list[dict]:
        return tasks.load_batches(batches, prepared, run_id)

    @task(trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS)
    def summarise(batches: list[list[str]], results: list[dict]) -> dict:
        return tasks.summarise_ingest(batches, results)

    @task(trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS, outlets=[assets.SUBMISSIONS])
    def announce_submissions(results: list[dict], outlet_events=None) -> list[str]:
        return tasks.announce_submissions(results, outlet_events[assets.SUBMISSIONS])

    @task(trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS)
    def notify_rejections(results: list[dict]) -> dict:
        return tasks.notify_rejections(results)

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def resend_rejection_notices() -> dict:
        return tasks.resend_rejection_notices()

    @task
    def load_targets(params: dict | None = None, run_id: str | None = None) -> list[dict]:
        return tasks.load_targets(params["inbox"], run_id)

    batches = list_pending()
    results = load_batches(batches, prepare_batch.expand(uris=batches))
    summarise(batches, results)
    announce_submissions(results)
    notify_rejections(results) >> resend_rejection_notices()
    load_targets()


scorecard_ingest()
