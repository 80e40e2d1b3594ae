"""Shared fixtures: a fresh warehouse on SQLite and on the real PostgreSQL server.

Airflow reads its configuration when it is first imported, so its test environment is set here,
before any test module can import it: a temporary ``AIRFLOW_HOME`` (metadata DB on SQLite), the
repository's ``dags/`` as the DAGs folder (``dag.test()`` only runs DAGs found there), no examples.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
AIRFLOW_TEST_HOME = tempfile.mkdtemp(prefix="scorecard-airflow-")
atexit.register(shutil.rmtree, AIRFLOW_TEST_HOME, ignore_errors=True)
os.environ["AIRFLOW_HOME"] = AIRFLOW_TEST_HOME
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"

CONTRACT_DIR = REPO / "src" / "scorecard" / "defaults"
PG_ADMIN_URL = os.environ.get("SCORECARD_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _fresh_postgres_database() -> tuple[str, sa.Engine]:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"scorecard_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    return name, admin


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty database on the real PostgreSQL server, dropped afterwards."""
    name, admin = _fresh_postgres_database()
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    from scorecard import warehouse

    warehouse.engine(url).dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warehouse.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty warehouse URL, once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(fixture)


@pytest.fixture
def engine(db_url: str) -> sa.Engine:
    """A migrated warehouse holding the default catalogs and the contract's 2026 targets."""
    from scorecard import targets, warehouse

    eng = warehouse.engine(db_url)
    cat = warehouse.init_db(eng)
    with eng.begin() as conn:
        targets.load(conn, targets.read(CONTRACT_DIR / "targets_2026.csv", cat))
    return eng


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
