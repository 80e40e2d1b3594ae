"""Exactly-once receiving, enforced by the database.

- ``received_files``: one row per (uri, sha256): a location is received once with the same bytes.
- ``submissions``: at most one in force per (unit, period) (a partial unique index), and version
  numbers unique per (unit, period).
- ``locks``: one row per serialised job (``ingest``, ``alerts``); a transaction that updates a job's
  row holds it until it ends (a row lock on PostgreSQL, the write lock on SQLite), so receiving runs
  and alert claims happen one at a time whatever started them (CLI, DAG tasks on several workers, two
  deployments).
- ``alert_log.claimed_at``: when a run claimed an alert for sending (state ``sending``), so that two
  runs never send it both, and a claim left by a killed run expires.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LOCKS = ("ingest", "alerts")


def upgrade() -> None:
    op.create_index("uq_received_files_uri_sha256", "received_files", ["uri", "sha256"], unique=True)
    op.create_index("uq_submissions_in_force", "submissions", ["unit_code", "period"], unique=True,
                    sqlite_where=sa.text("in_force"), postgresql_where=sa.text("in_force"))
    op.create_index("uq_submissions_version", "submissions", ["unit_code", "period", "version"], unique=True)
    locks = op.create_table(
        "locks",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("taken_at", sa.DateTime),
    )
    op.bulk_insert(locks, [{"name": name, "taken_at": None} for name in LOCKS])
    with op.batch_alter_table("alert_log") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime))


def downgrade() -> None:
    with op.batch_alter_table("alert_log") as batch:
        batch.drop_column("claimed_at")
    op.drop_table("locks")
    op.drop_index("uq_submissions_version", table_name="submissions")
    op.drop_index("uq_submissions_in_force", table_name="submissions")
    op.drop_index("uq_received_files_uri_sha256", table_name="received_files")
