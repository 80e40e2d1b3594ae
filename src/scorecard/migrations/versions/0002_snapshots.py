"""Immutable, versioned monthly snapshots, the submissions each one used, and the indicators' monthly shares.

``indicator_shares`` holds each indicator's cumulative share s_m of the annual flow for months 1..12
(the profile, or m / 12 when linear), so that the snapshot arithmetic stays one portable SQL statement.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a unit's submissions of a year by month: the snapshot's look-up of an indicator's latest figure
    op.create_index("ix_submissions_unit_year_month", "submissions", ["unit_code", "year", "month"])
    op.create_table(
        "indicator_shares",
        sa.Column("indicator_code", sa.String(64), sa.ForeignKey("indicators.indicator_code"),
                  primary_key=True),
        sa.Column("month", sa.Integer, primary_key=True),
        sa.Column("share", sa.Float, nullable=False),
    )
    op.create_table(
        "snapshots",
        sa.Column("snapshot_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("taken_at", sa.DateTime, nullable=False),
        # fingerprint: of the inputs the version used; input_digest: of every input it could have used
        # (in-force submissions of the year and the one before, targets, threshold, catalog), so that an
        # unchanged take is answered without computing anything (null: always recompute)
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("input_digest", sa.String(64)),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.UniqueConstraint("period", "version", name="uq_snapshots_period_version"),
    )
    # No foreign key from snapshot_rows to snapshots: its rows are only ever written by the statement that
    # follows the snapshot's own insert in one transaction, and a national snapshot has ~85,000 rows,
    # each of which would cost a trigger call on PostgreSQL.
    op.create_table(
        "snapshot_rows",
        sa.Column("snapshot_id", sa.Integer, primary_key=True),
        sa.Column("unit_code", sa.String(32), primary_key=True),
        sa.Column("indicator_code", sa.String(64), primary_key=True),
        sa.Column("actual", sa.Float),
        sa.Column("target", sa.Float),
        sa.Column("completion_rate", sa.Float),
        sa.Column("expected_rate", sa.Float),
        sa.Column("gap", sa.Float),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stale", sa.Boolean),
        sa.Column("rank", sa.Integer),
        sa.Column("forecast", sa.Float),
        sa.Column("baseline", sa.Float),
        sa.Column("source_month", sa.Integer),
        # provenance: the submission the actual came from (for a row only a later month's figure brings,
        # that submission) and the one the stock baseline came from; snapshot_inputs is their union
        sa.Column("source_submission_id", sa.Integer),
        sa.Column("baseline_submission_id", sa.Integer),
    )
    op.create_table(
        "snapshot_missing_units",
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.snapshot_id"),
                  primary_key=True),
        sa.Column("unit_code", sa.String(32), primary_key=True),
    )
    op.create_table(
        "snapshot_inputs",
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.snapshot_id"),
                  primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.submission_id"),
                  primary_key=True),
    )


def downgrade() -> None:
    op.drop_index("ix_submissions_unit_year_month", table_name="submissions")
    for table in ("snapshot_inputs", "snapshot_missing_units", "snapshot_rows", "snapshots",
                  "indicator_shares"):
        op.drop_table(table)
