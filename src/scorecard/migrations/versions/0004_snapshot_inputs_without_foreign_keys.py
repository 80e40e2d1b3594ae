"""snapshot_inputs without foreign keys, like snapshot_rows.

Its rows are only ever written by ``insert_snapshot_inputs.sql``, in the transaction that inserts the
snapshot, from submission ids it reads from ``submissions`` and ``snapshot_rows``; submissions are never
deleted. A national snapshot uses some 20,000 submissions, and on PostgreSQL the two foreign-key triggers
per row cost more than the insert itself (0.45 s of a 0.7 s statement).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FOREIGN_KEYS = {  # PostgreSQL's names for the keys 0002 created; SQLite leaves them unnamed
    "snapshot_inputs_snapshot_id_fkey": ("snapshots", "snapshot_id"),
    "snapshot_inputs_submission_id_fkey": ("submissions", "submission_id"),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # no ALTER for constraints: copy into a table without them
        without = sa.Table("snapshot_inputs", sa.MetaData(),
                           sa.Column("snapshot_id", sa.Integer, primary_key=True),
                           sa.Column("submission_id", sa.Integer, primary_key=True))
        with op.batch_alter_table("snapshot_inputs", recreate="always", copy_from=without):
            pass
        return
    for name in FOREIGN_KEYS:
        op.drop_constraint(name, "snapshot_inputs", type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("snapshot_inputs") as batch:
        for name, (table, column) in FOREIGN_KEYS.items():
            batch.create_foreign_key(name, table, [column], [column])
