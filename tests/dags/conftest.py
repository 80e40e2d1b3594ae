"""Airflow's environment for the DAG integrity and policy tests, set before Airflow is first imported."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS_DIR = REPO / "dags"

# The same block opens tests/integration/conftest.py: whichever conftest is imported first decides the home.
if "SCORECARD_TEST_AIRFLOW_HOME" not in os.environ:
    os.environ["SCORECARD_TEST_AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="scorecard-airflow-")
    atexit.register(shutil.rmtree, os.environ["SCORECARD_TEST_AIRFLOW_HOME"], ignore_errors=True)
os.environ["AIRFLOW_HOME"] = os.environ["SCORECARD_TEST_AIRFLOW_HOME"]
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS_DIR)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"


@pytest.fixture(scope="session")
def dag_bag():
    """Every DAG of the repository's ``dags/`` folder, parsed the way the DAG processor parses them."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))
