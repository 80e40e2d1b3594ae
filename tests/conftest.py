"""Shared fixtures (a fresh warehouse on SQLite and on the real PostgreSQL server, the parsed DAGs) and the
markers each test gets from its folder. Shared helpers and constants live in the ``support`` package.

Airflow reads its configuration when it is first imported, so its test environment is set here,
before any test module can import it: a temporary ``AIRFLOW_HOME`` (metadata DB on SQLite), the
repository's ``dags/`` as the DAGs folder (``dag.test()`` only runs DAGs found there), no examples.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from support import CONTRACT_DIR, DAGS_DIR
from support.databases import scratch_postgres

AIRFLOW_TEST_HOME = tempfile.mkdtemp(prefix="scorecard-airflow-")
atexit.register(shutil.rmtree, AIRFLOW_TEST_HOME, ignore_errors=True)
os.environ["AIRFLOW_HOME"] = AIRFLOW_TEST_HOME
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS_DIR)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"

INTEGRATION_DIR = Path(__file__).parent / "integration"
SHARED_SCOPES = {"tests/integration/test_demo.py": "tests/integration/test_browser.py"}
"""Modules run by the worker that runs another: they share a session fixture (``demo``, one
``scorecard demo`` run)."""


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Markers by folder, so that no module can forget them: everything under ``tests/integration`` is
    ``integration``; a test that runs DAGs (``run_dag``) is also ``airflow``, one on a scratch PostgreSQL
    database (``postgres_url``) also ``postgres``."""
    for item in items:
        if item.path.is_relative_to(INTEGRATION_DIR):
            item.add_marker(pytest.mark.integration)
        fixtures = getattr(item, "fixturenames", ())
        if "run_dag" in fixtures:
            item.add_marker(pytest.mark.airflow)
        if "postgres_url" in fixtures:
            item.add_marker(pytest.mark.postgres)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With pytest-xdist (``make test``), each worker takes a whole module at a time, in the order
    collected, so that module fixtures are set up once; ``SHARED_SCOPES`` go with the module they name.

    (xdist's own ``--dist loadgroup`` cannot do the second part on pytest 9.2: pytest-xdist#1386.)"""
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return SHARED_SCOPES.get(module, module)

    return ModuleScheduling(config, log)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty database on the real PostgreSQL server, dropped afterwards."""
    with scratch_postgres() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warehouse.db'}"


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty warehouse URL, once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(fixture)


def ready_warehouse(url: str) -> sa.Engine:
    """The warehouse at ``url`` migrated, holding the default catalogs and the contract's 2026 targets."""
    from scorecard import targets, warehouse

    eng = warehouse.engine(url)
    cat = warehouse.init_db(eng)
    with eng.begin() as conn:
        targets.load(conn, targets.read(CONTRACT_DIR / "targets_2026.csv", cat))
    return eng


@pytest.fixture(scope="session")
def postgres_ready_template() -> Iterator[str]:
    """The name of a database on the PostgreSQL server made ready once per session (per xdist worker):
    each test's ready warehouse is a copy of it, cheaper than migrating and loading again."""
    with scratch_postgres("scorecard_template") as url:
        ready_warehouse(url).dispose()
        yield sa.engine.make_url(url).database


@pytest.fixture(params=BACKENDS)
def warehouse_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a ready warehouse (``ready_warehouse``), once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
        ready_warehouse(url)
        yield url
    else:
        with scratch_postgres(template=request.getfixturevalue("postgres_ready_template")) as url:
            yield url


@pytest.fixture
def engine(warehouse_url: str) -> sa.Engine:
    """A ready warehouse (``ready_warehouse``): migrated, with the default catalogs and the 2026 targets."""
    from scorecard import warehouse

    return warehouse.engine(warehouse_url)


@pytest.fixture(scope="session")
def dag_bag():
    """Every DAG of the repository's ``dags/`` folder, parsed the way the DAG processor parses them."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


@pytest.fixture(scope="session")
def catalog():
    from scorecard import catalog

    return catalog.load_files()


@pytest.fixture
def memory_storage() -> None:
    """fsspec's in-memory file system behind ``memory://`` URLs, reached through ObjectStoragePath as
    s3:// or sftp:// would be (no provider registers that scheme)."""
    from airflow.sdk.io import attach
    from fsspec.implementations.memory import MemoryFileSystem

    attach("memory", fs=MemoryFileSystem())
