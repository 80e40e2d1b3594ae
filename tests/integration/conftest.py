"""An Airflow harness for ``dag.test()`` runs of the repository's DAGs, and an SMTP server on loopback.

Airflow's environment (a temporary ``AIRFLOW_HOME``, the repository's ``dags/``) is set by
``tests/conftest.py``; the metadata DB is migrated here once per session. Each test
gets its own warehouse, data folders and, when it asks for ``smtp_server``, ``AIRFLOW_CONN_SMTP_DEFAULT``
pointing at a :class:`scorecard.mail_catcher.MailCatcher` that keeps what it receives.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.demo import DemoRun, run_demo

from scorecard.mail_catcher import MailCatcher


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """The metadata database, migrated once per session (in a subprocess: a fresh Airflow process)."""
    from airflow import settings

    assert os.environ["AIRFLOW_HOME"] in settings.SQL_ALCHEMY_CONN, (
        "Airflow was imported before the test harness set AIRFLOW_HOME: collect tests/integration "
        f"before any test module that imports Airflow (metadata DB {settings.SQL_ALCHEMY_CONN})")
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True, env=os.environ.copy())


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """``scorecard demo`` into a temporary data folder and Airflow home, once for the session: the demo's
    tests and the UI's browser tests read the same run (``SHARED_SCOPES`` keeps them on one worker)."""
    return run_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def scorecard_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh warehouse (SQLite) and data folders for this test, through the environment."""
    data = tmp_path / "data"
    monkeypatch.setenv("SCORECARD_DATA_DIR", str(data))
    monkeypatch.setenv("SCORECARD_DB_URL", f"sqlite:///{data / 'warehouse.db'}")
    monkeypatch.setenv("SCORECARD_INBOX", str(data / "inbox"))
    monkeypatch.setenv("SCORECARD_QUARANTINE", str(data / "quarantine"))
    monkeypatch.setenv("SCORECARD_OUTPUT", str(data / "bulletins"))
    monkeypatch.setenv("SCORECARD_TEAM_EMAILS", "data-team@example.org")
    monkeypatch.setenv("SCORECARD_MAIL_FROM", "scorecard@example.org")
    (data / "inbox").mkdir(parents=True)
    return data


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[MailCatcher]:
    """A mail catcher on a free loopback port, wired as Airflow's ``smtp_default`` connection."""
    with MailCatcher() as catcher:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({
            "conn_type": "smtp", "host": catcher.host, "port": catcher.port,
            "extra": {"disable_ssl": True, "disable_tls": True, "from_email": "airflow@example.org"},
        }))
        yield catcher


@pytest.fixture
def run_dag(airflow_db, dag_bag, scorecard_env, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Run a DAG once with ``dag.test(**kwargs)``, its tasks without retries: returns the DagRun.

    The retries are put back after the test: the parsed DAGs are shared with the DAG policy tests."""
    assert not dag_bag.import_errors, dag_bag.import_errors

    def run(dag_id: str, **test_kwargs: Any):
        dag = dag_bag.get_dag(dag_id)
        for task in dag.tasks:
            monkeypatch.setattr(task, "retries", 0)
        return dag.test(**test_kwargs)

    return run


@pytest.fixture
def task_states() -> Callable[[Any], dict[str, list[str]]]:
    """Each task's instance states in a DagRun (several for a mapped task), read from the metadata DB."""

    def states(dag_run) -> dict[str, list[str]]:
        from airflow.utils.session import create_session

        found: dict[str, list[str]] = {}
        with create_session() as session:
            for ti in sorted(dag_run.get_task_instances(session=session), key=lambda t: t.map_index):
                found.setdefault(ti.task_id, []).append(str(ti.state))
        return found

    return states


@pytest.fixture
def xcom_values() -> Callable[[Any, str], list[Any]]:
    """The return values of a task in a DagRun, one per map index."""

    def values(dag_run, task_id: str) -> list[Any]:
        from airflow.models.xcom import XComModel
        from airflow.utils.session import create_session

        query = XComModel.get_many(run_id=dag_run.run_id, dag_ids=dag_run.dag_id, task_ids=task_id,
                                   key="return_value").order_by(XComModel.map_index)
        with create_session() as session:
            return [XComModel.deserialize_value(x) for x in session.scalars(query)]

    return values


@pytest.fixture
def asset_events() -> Callable[[Any], list[tuple[str, dict]]]:
    """The asset events a DagRun emitted: (asset name, extra)."""

    def events(dag_run) -> list[tuple[str, dict]]:
        import sqlalchemy as sa
        from airflow.models.asset import AssetEvent, AssetModel
        from airflow.utils.session import create_session

        query = (sa.select(AssetModel.name, AssetEvent.extra)
                 .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
                 .where(AssetEvent.source_dag_id == dag_run.dag_id,
                        AssetEvent.source_run_id == dag_run.run_id)
                 .order_by(AssetEvent.id))
        with create_session() as session:
            return [(name, extra) for name, extra in session.execute(query)]

    return events
