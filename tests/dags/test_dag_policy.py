"""Integrity and house policy of every DAG: imports cleanly and fast, and is wired the same way."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import DAGS_DIR

from scorecard.vocabulary import Tag

DAG_FILES = sorted(DAGS_DIR.glob("*.py"))
EXPECTED_DAGS = {"scorecard_ingest", "scorecard_monthly_snapshot", "scorecard_alerts", "scorecard_reminders"}
HEAVY_MODULES = ("pandas", "great_expectations", "openpyxl", "matplotlib")
PARSE_SECONDS = 1.0
"""Budget for one DAG file's own import, Airflow's excluded: the scheduler parses it again and again."""

IMPORT_PROBE = """
import importlib.util, json, os, sys, time, traceback
import airflow.sdk  # Airflow's own import cost is not the DAG file's
heavy, paths = sys.argv[1].split(","), sys.argv[2:]
for path in paths:  # each DAG file imported in a child forked from here: a process holding only Airflow
    if os.fork() == 0:
        try:
            start = time.perf_counter()
            spec = importlib.util.spec_from_file_location("dag_under_test", path)
            spec.loader.exec_module(importlib.util.module_from_spec(spec))
            probe = {"seconds": time.perf_counter() - start, "heavy": [m for m in heavy if m in sys.modules]}
        except BaseException:
            probe = {"error": traceback.format_exc()}
        print(json.dumps({path: probe}), flush=True)
        os._exit(0)
    os.wait()
"""


def test_every_dag_file_imports_without_errors(dag_bag) -> None:
    assert dag_bag.import_errors == {}
    assert set(dag_bag.dag_ids) == EXPECTED_DAGS


@pytest.fixture(scope="module")
def import_probes() -> dict[str, dict]:
    """Each DAG file's own import time and the heavy modules it imported, all probed by one process."""
    command = [sys.executable, "-c", IMPORT_PROBE, ",".join(HEAVY_MODULES), *map(str, DAG_FILES)]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    probes: dict[str, dict] = {}
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            probes.update(json.loads(line))
    return probes


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=[f.stem for f in DAG_FILES])
def test_dag_file_imports_fast_and_nothing_heavy(import_probes: dict[str, dict], dag_file: Path) -> None:
    probe = import_probes[str(dag_file)]
    assert "error" not in probe, probe.get("error")
    assert probe["heavy"] == []
    assert probe["seconds"] < PARSE_SECONDS


@pytest.fixture(params=sorted(EXPECTED_DAGS))
def dag(request: pytest.FixtureRequest, dag_bag):
    return dag_bag.dags[request.param]


def test_dag_is_documented_from_its_module_docstring(dag) -> None:
    docstring = ast.get_docstring(ast.parse(Path(dag.fileloc).read_text(encoding="utf-8")), clean=False)
    assert dag.doc_md == docstring
    assert dag.doc_md.strip().startswith(f"### {dag.dag_id}")


def test_dag_tags_come_from_the_vocabulary(dag) -> None:
    assert Tag.SCORECARD in dag.tags
    assert set(dag.tags) <= {str(t) for t in Tag}
    assert len(dag.tags) >= 2


def test_every_task_has_owner_retries_and_a_failure_email(dag) -> None:
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    for task in dag.tasks:
        assert task.owner == "scorecard", task.task_id
        assert task.retries >= 1, task.task_id
        callbacks = task.on_failure_callback
        callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
        assert any(isinstance(c, SmtpNotifier) for c in callbacks), task.task_id


def test_scheduled_dags_do_not_catch_up(dag) -> None:
    assert dag.catchup is False
    assert dag.max_active_runs == 1
