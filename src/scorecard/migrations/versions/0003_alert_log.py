"""Alert log: what was (or is to be) sent to whom, so that nothing is sent twice or lost.

One row per message subject and recipient: ``kind`` is ``status`` (a behind/lagging snapshot row),
``missing`` (a unit that has not reported) or ``rejected`` (a rejected file, ``ref`` naming it).
``indicator_code`` is empty for the kinds that are not about one indicator. ``state`` moves from
``pending`` (written before the send) to ``sent``, or to ``failed`` (retried on the next run), or to
``superseded`` (no longer true when the retry came). ``detail`` keeps what a retry needs to rebuild
a rejection notice.

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
        sa.Column("ref", sa.String(255), nullable=False, server_default=""),
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.snapshot_id")),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("detail", sa.JSON),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime),
        sa.UniqueConstraint("kind", "period", "unit_code", "indicator_code", "status",
                            "recipient", "ref", name="uq_alert_log_once"),
    )
    op.create_index("ix_alert_log_state", "alert_log", ["kind", "state"])


def downgrade() -> None:
    op.drop_index("ix_alert_log_state", table_name="alert_log")
    op.drop_table("alert_log")
