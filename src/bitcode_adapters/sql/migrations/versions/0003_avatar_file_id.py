"""Users keep the media store's id of their avatar, to delete it when replaced.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("avatar_file_id", sa.Text(), nullable=True))


def downgrade() -> None:
    # Not in batch mode: copying ``users`` on SQLite would drop the original
    # table, and with foreign keys on that deletes every session with it.
    # SQLite 3.35 and later drop a column in place.
    op.drop_column("users", "avatar_file_id")
