"""Prepared batches of an Airflow ingest run, carried from the mapped tasks that prepare them to the task
that loads them in receiving order.

- ``payload``: the batch as ``preparing.encode`` wrote it (files, parsed and checked submissions, the bytes
  of the files that may be quarantined); emptied once the batch is loaded.
- ``result``: what loading the batch gave (the JSON the DAG's later tasks read), written in the load's own
  transaction, so that a retried load task answers it again rather than loading anything twice.

Rows of runs older than a week are deleted when an ingest run lists its pending files.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prepared_batches",
        sa.Column("run_id", sa.String(250), primary_key=True),
        sa.Column("batch", sa.Integer, primary_key=True),
        sa.Column("payload", sa.LargeBinary),
        sa.Column("result", sa.JSON),
        sa.Column("prepared_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("prepared_batches")
