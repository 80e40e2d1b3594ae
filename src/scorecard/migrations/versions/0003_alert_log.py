"""Alert log: what was (or is to be) sent to whom, so that nothing is sent twice or lost.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_log",
        sa.Column("alert_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("indicator_code", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.snapshot_id")),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime),
        sa.UniqueConstraint("kind", "period", "unit_code", "indicator_code", "status",
                            "recipient", name="uq_alert_log_once"),
    )


def downgrade() -> None:
    op.drop_table("alert_log")
