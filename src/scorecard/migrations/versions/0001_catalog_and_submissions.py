"""Catalogs, targets, received files, submissions, reported values and quarantine.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("unit_code", sa.String(32), primary_key=True),
        sa.Column("name_zh", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("unit_type", sa.String(16), nullable=False),
        sa.Column("contact_email", sa.Text),
    )
    op.create_table(
        "indicators",
        sa.Column("indicator_code", sa.String(64), primary_key=True),
        sa.Column("name_zh", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("measure_unit", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("applies_to", sa.String(8), nullable=False),
        sa.Column("required", sa.Boolean, nullable=False),
        sa.Column("min_value", sa.Float),
        sa.Column("max_value", sa.Float),
        sa.Column("profile", sa.Text),
    )
    op.create_table(
        "targets",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("unit_code", sa.String(32), primary_key=True),
        sa.Column("indicator_code", sa.String(64), sa.ForeignKey("indicators.indicator_code"),
                  primary_key=True),
        sa.Column("target", sa.Float, nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("loaded_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "received_files",
        sa.Column("file_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uri", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("received_files.file_id")),
    )
    op.create_table(
        "submissions",
        sa.Column("submission_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("received_files.file_id"), nullable=False,
                  index=True),
        sa.Column("unit_code", sa.Text),  # as written, even when unknown (the errors say so)
        sa.Column("period", sa.String(7)),
        sa.Column("year", sa.Integer),
        sa.Column("month", sa.Integer),
        sa.Column("submitted_at", sa.DateTime),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer),
        sa.Column("in_force", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("errors", sa.JSON, nullable=False),
        sa.Column("warnings", sa.JSON, nullable=False),
    )
    op.create_index("ix_submissions_unit_period", "submissions", ["unit_code", "period"])
    op.create_index("ix_submissions_in_force", "submissions", ["in_force", "year", "month"])
    op.create_table(
        "reported_values",
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.submission_id"),
                  primary_key=True),
        sa.Column("indicator_code", sa.String(64), primary_key=True),
        sa.Column("value", sa.Float),
        sa.Column("numerator", sa.Float),
        sa.Column("denominator", sa.Float),
        sa.Column("note", sa.Text),
        sa.Column("cell", sa.String(16)),
        sa.Column("line", sa.Integer),
    )
    op.create_table(
        "quarantine",
        sa.Column("quarantine_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("received_files.file_id"), nullable=False,
                  unique=True),
        sa.Column("stored_path", sa.Text, nullable=False),
        sa.Column("report_path", sa.Text, nullable=False),
        sa.Column("feedback_path", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("quarantine", "reported_values", "submissions", "received_files", "targets",
                  "indicators", "units"):
        op.drop_table(table)
