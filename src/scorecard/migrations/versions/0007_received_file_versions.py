"""The version of each received file as its storage gave it, so that a poll reads only what changed.

- ``received_files.modified_at``: the file's last modification (naive UTC) just before its bytes were read.
- ``received_files.etag``: the storage's tag of that version: an object store's ETag, or for a local
  file its change time in ns (ctime), which every write and every reset of the modification time moves.

A poll reads a listed file only when no received file of its location has the version it is listed at
(``sources.version``: size and tag, else size and modification time). Files received before this
migration have no version: the first poll after it reads them once more and records theirs.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE on both databases, as in 0006: SQLite cannot copy a table other tables' keys point to
    op.add_column("received_files", sa.Column("modified_at", sa.DateTime))
    op.add_column("received_files", sa.Column("etag", sa.Text))


def downgrade() -> None:
    op.drop_column("received_files", "etag")
    op.drop_column("received_files", "modified_at")
