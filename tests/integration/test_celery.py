"""The distributed deployment without Docker: Airflow's scheduler, dag-processor, api-server and a Celery
worker as separate processes, on the machine's PostgreSQL (a fresh metadata database and a fresh
warehouse) and Redis (the broker), mail to an SMTP server on loopback.

The warehouse already holds the sample year up to October (received through the package) and October's
snapshot v1, as it would on a day after the monthly run. Then the late files arrive in the inbox: C02's
correction of October and the bad files. Unpausing the DAGs is all the test does: the scheduler runs
``scorecard_ingest``, whose asset event makes ``scorecard_monthly_snapshot`` re-take October (v2, the
correction raised a figure), whose asset event makes ``scorecard_alerts`` mail the alerts. (Unpausing
also lets the scheduler make the monthly snapshot's latest cron run; it re-takes a month, harmlessly.)
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from celery_cluster import AirflowCluster, Api, wait_for

from scorecard.mail_catcher import MailCatcher as SmtpServer
from scorecard.mail_catcher import free_port

pytestmark = [pytest.mark.integration, pytest.mark.airflow, pytest.mark.postgres]

PG_ADMIN_URL = os.environ.get("SCORECARD_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("SCORECARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
"""The broker: a Redis database of its own; each cluster also has a queue of its own."""
DAGS = ("scorecard_ingest", "scorecard_monthly_snapshot", "scorecard_alerts")
PERIOD = "2026-10"
LATE = ("_correction", "_bad-")
"""Files that arrive after October's snapshot: C02's correction and the deliberately bad files."""
CHAIN_TIMEOUT = 600


@dataclass(frozen=True)
class Deployment:
    cluster: AirflowCluster
    api: Api
    warehouse: sa.Engine
    mail: SmtpServer
    data: Path


@pytest.fixture(scope="module")
def databases() -> Iterator[tuple[str, str]]:
    """A fresh metadata database and a fresh warehouse database, dropped (connections forced) afterwards."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    suffix = secrets.token_hex(6)
    names = [f"scorecard_test_airflow_{suffix}", f"scorecard_test_warehouse_{suffix}"]
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'create database "{name}"'))
    base = sa.engine.make_url(PG_ADMIN_URL)
    metadata, warehouse = (base.set(database=n).render_as_string(hide_password=False) for n in names)
    try:
        yield metadata, warehouse
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


def preload(warehouse: sa.Engine, inbox: Path) -> None:
    """The sample year and its targets in ``inbox``; everything but the late files received, October
    snapshotted (v1)."""
    from scorecard import catalog, ingest, receiving, samples, snapshots, targets
    from scorecard import warehouse as warehouse_mod

    samples.generate_year(inbox, catalog.load_files(), year=2026, through_month=10)
    (inbox / "targets").mkdir()
    (inbox / "targets" / "targets_2026.csv").write_bytes(
        (Path(catalog.__file__).parent / "defaults" / "targets_2026.csv").read_bytes())
    warehouse_mod.init_db(warehouse)
    targets.load_dropped(warehouse, str(inbox))
    pending = receiving.pending_files(warehouse, str(inbox))
    on_time = [uri for uri in pending if not any(m in uri for m in LATE)]
    report = ingest.ingest_files(warehouse, on_time)
    assert report.counts()["rejected"] == 0, report.counts()
    assert snapshots.take(warehouse, PERIOD).version == 1


def purge_queue(broker_url: str, queue: str) -> None:
    """Delete the cluster's keys (its queue and bindings) from the broker's database."""
    import redis

    client = redis.Redis.from_url(broker_url)
    for key in client.scan_iter(match=f"*{queue}*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="module")
def deployment(databases: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    metadata_url, warehouse_url = databases
    root = tmp_path_factory.mktemp("celery")
    data = root / "data"
    warehouse = sa.create_engine(warehouse_url)
    preload(warehouse, data / "inbox")
    with SmtpServer() as mail:
        cluster = AirflowCluster(root, metadata_url, REDIS_URL, free_port(), extra_env={
            "SCORECARD_DB_URL": warehouse_url,
            "SCORECARD_DATA_DIR": str(data),
            "SCORECARD_INBOX": str(data / "inbox"),
            "SCORECARD_QUARANTINE": str(data / "quarantine"),
            "SCORECARD_OUTPUT": str(data / "bulletins"),
            "SCORECARD_TEAM_EMAILS": "data-team@example.org",
            "SCORECARD_MAIL_FROM": "scorecard@example.org",
            "AIRFLOW_CONN_SMTP_DEFAULT": f"{mail.url}?disable_ssl=true&disable_tls=true",
        })
        try:
            cluster.start()
            api = cluster.api()
            try:
                yield Deployment(cluster, api, warehouse, mail, data)
            finally:
                api.close()
        except Exception as exc:
            raise AssertionError(f"{exc}\n{cluster.diagnostics()}") from exc
        finally:
            cluster.stop()
            purge_queue(REDIS_URL, cluster.queue)
            warehouse.dispose()


def sources(api: Api, dag_id: str, runs: list[dict], source_dag_id: str) -> dict[str, set[str]]:
    """Each successful asset-triggered run of ``dag_id``: the runs of ``source_dag_id`` whose asset events
    triggered it."""
    triggered = [run["dag_run_id"] for run in runs
                 if run["state"] == "success" and run["run_type"] == "asset_triggered"]
    return {run_id: {event["source_run_id"] for event in api.upstream_events(dag_id, run_id)
                     if event["source_dag_id"] == source_dag_id}
            for run_id in triggered}


def chain_done(api: Api) -> bool:
    """True once nothing runs and a successful alerts run was triggered by a snapshot run that an ingest
    run triggered; ``AssertionError`` as soon as a run failed."""
    runs = {dag_id: api.runs(dag_id) for dag_id in DAGS}
    for dag_id, dag_runs in runs.items():
        for run in dag_runs:
            if run["state"] == "failed":
                raise AssertionError(f"{dag_id} {run['dag_run_id']} failed: "
                                     f"{api.task_states(dag_id, run['dag_run_id'])}")
    if any(run["state"] in ("queued", "running") for dag_runs in runs.values() for run in dag_runs):
        return False
    snapshot_runs = {run_id for run_id, ingest_runs in sources(
        api, "scorecard_monthly_snapshot", runs["scorecard_monthly_snapshot"], "scorecard_ingest").items()
        if ingest_runs}
    alerts = sources(api, "scorecard_alerts", runs["scorecard_alerts"], "scorecard_monthly_snapshot")
    return any(snapshot_runs & snapshots for snapshots in alerts.values())


def test_scheduler_runs_ingest_snapshot_and_alerts_on_celery(deployment: Deployment) -> None:
    api, cluster = deployment.api, deployment.cluster
    wait_for(lambda: all(api.dag(dag_id) for dag_id in DAGS), 240, "the dag-processor to parse the DAGs")

    for dag_id in DAGS:
        api.unpause(dag_id)
    try:
        wait_for(lambda: chain_done(api), CHAIN_TIMEOUT, "ingest -> snapshot -> alerts", every=3)
    except (AssertionError, TimeoutError) as exc:
        raise AssertionError(f"{exc}\n{cluster.diagnostics()}") from exc

    with deployment.warehouse.connect() as conn:
        statuses = dict(conn.execute(sa.text(
            "select status, count(*) from submissions group by status")).all())
        versions = conn.execute(sa.text("select version from snapshots where period = :p order by version"),
                                {"p": PERIOD}).scalars().all()
        correction = conn.execute(sa.text(
            "select s.status from submissions s join received_files f on f.file_id = s.file_id "
            "where f.uri like '%2026-10_C02_correction.xlsx'")).scalars().all()
    assert statuses["rejected"] >= 10 and statuses["accepted"] > 90, statuses
    assert correction == ["accepted"]
    assert versions == [1, 2], "the correction made the asset-triggered run take October's v2"
    assert (deployment.data / "bulletins" / f"bulletin_{PERIOD}_v2.xlsx").is_file()
    assert list((deployment.data / "quarantine").rglob("*_feedback.xlsx"))

    mail = deployment.mail
    rejections = [m for m in mail.to("p01-office@example.org") if "未通过校验" in m.subject]
    assert any("bad-negative_value" in m.body("plain") for m in rejections), [m.subject for m in rejections]
    digests = [m for m in mail.to("data-team@example.org") if "进度预警汇总" in m.subject]
    assert any(PERIOD in m.subject for m in digests), [m.subject for m in mail.received]
    assert {m.mail_from for m in mail.received} == {"scorecard@example.org"}
    ingest_run = next(r for r in api.runs("scorecard_ingest") if r["state"] == "success")
    ran = [ti for ti in api.task_instances("scorecard_ingest", ingest_run["dag_run_id"])
           if ti["state"] == "success"]
    assert ran and {ti["queue"] for ti in ran} == {cluster.queue}, ran
