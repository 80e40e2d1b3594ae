"""What each Airflow run did, and the bulletins written: the UI's links from a run to its result.

- ``received_files.run_id``: the Airflow run that received the file (null from the command line).
- ``run_snapshots``: the snapshot version each run of ``scorecard_monthly_snapshot`` took or found.
- ``bulletins``: every bulletin file written, by snapshot version, language and format, so that it is
  served by id, never by a path from a request.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE on both databases: SQLite cannot copy a table other tables' keys point to
    op.add_column("received_files", sa.Column("run_id", sa.String(250)))
    op.create_index("ix_received_files_run_id", "received_files", ["run_id"])
    op.create_table(
        "run_snapshots",
        sa.Column("run_id", sa.String(250), primary_key=True),
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.snapshot_id"), primary_key=True),
    )
    op.create_table(
        "bulletins",
        sa.Column("bulletin_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.snapshot_id"), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("written_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("snapshot_id", "lang", "format", name="uq_bulletins_snapshot_lang_format"),
    )


def downgrade() -> None:
    op.drop_table("bulletins")
    op.drop_table("run_snapshots")
    op.drop_index("ix_received_files_run_id", table_name="received_files")
    op.drop_column("received_files", "run_id")
