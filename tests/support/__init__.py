"""Helpers shared by the test suite (importable as ``support``: pytest puts ``tests/`` on the path).

The constants every layer uses live here; the helpers live in the package's modules:
``submission_files`` (the one builder of submission workbooks and CSV files), ``warehouse_rows``
(rows written straight into a warehouse), ``databases`` (throwaway PostgreSQL databases) and
``hostile_inbox`` (an inbox of files a careless or malicious sender would drop) and ``demo`` (``scorecard
demo`` and ``scorecard airflow`` run as a user runs them).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

REPO = Path(__file__).resolve().parents[2]
"""The repository's root folder."""
DAGS_DIR = REPO / "dags"
CONTRACT_DIR = REPO / "src" / "scorecard" / "defaults"
"""The catalogs and the 2026 targets of the contract, as the package ships them."""
SCORECARD = str(Path(sys.executable).with_name("scorecard"))
"""The installed ``scorecard`` command of the environment running the tests."""
TODAY = date(2026, 11, 27)
"""The date the pipeline is told it is wherever a test passes ``today``: after every month of 2026 up to
October was due."""

HEAVY_MODULES = ("great_expectations", "pandas", "sqlalchemy")
"""What a verdict that needs no suite must not import."""


def refuse_imports(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Make importing any of ``names`` fail until the test ends, even where an earlier test imported it:
    an in-process check that a code path leaves these libraries alone."""
    for name in names:
        monkeypatch.setitem(sys.modules, name, None)
