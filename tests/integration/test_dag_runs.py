"""Real ``dag.test()`` runs of the scorecard DAGs against a warehouse on SQLite and mail on loopback."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from submission_files import complete_rows, write_csv, write_workbook

pytestmark = [pytest.mark.integration, pytest.mark.airflow]


def submissions(db_url: str) -> list[tuple[str, str, str]]:
    with sa.create_engine(db_url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "select unit_code, period, status from submissions order by unit_code, period, status"))]


def test_ingest_run_loads_accepts_and_rejects_then_changes_nothing(
        run_dag, task_states, scorecard_env, smtp_server, catalog) -> None:
    inbox = scorecard_env / "inbox"
    write_workbook(inbox / "c01_2026-09.xlsx", "C01", "2026-09", complete_rows(catalog, "C01", 9))
    write_csv(inbox / "p01_2026-09.csv", [("P01", "2026-09", complete_rows(catalog, "P01", 9))])
    bad = complete_rows(catalog, "C02", 9)
    bad[0]["value"] = -5
    write_workbook(inbox / "c02_2026-09.xlsx", "C02", "2026-09", bad)

    first = run_dag("scorecard_ingest")

    assert str(first.state) == "success", task_states(first)
    db_url = f"sqlite:///{scorecard_env / 'warehouse.db'}"
    assert submissions(db_url) == [("C01", "2026-09", "accepted"), ("C02", "2026-09", "rejected"),
                                   ("P01", "2026-09", "accepted")]
    notices = smtp_server.to("c02-stats@example.org")
    assert len(notices) == 1

    second = run_dag("scorecard_ingest")

    assert str(second.state) == "success", task_states(second)
    assert submissions(db_url) == [("C01", "2026-09", "accepted"), ("C02", "2026-09", "rejected"),
                                   ("P01", "2026-09", "accepted")]
    assert len(smtp_server.to("c02-stats@example.org")) == 1
