"""The DagBag for the DAG integrity and policy tests (Airflow's environment is set by tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS_DIR = REPO / "dags"



@pytest.fixture(scope="session")
def dag_bag():
    """Every DAG of the repository's ``dags/`` folder, parsed the way the DAG processor parses them."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))
