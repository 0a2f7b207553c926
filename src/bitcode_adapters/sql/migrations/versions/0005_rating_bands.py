"""Rating bands: how many ratings of each board fall in each one-point band,
so that a rank is a sum over bands rather than a count over ratings.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import math
from collections import Counter

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_KEY = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")
_SCOPE = sa.String(16).with_variant(sa.String(16, collation="C"), "postgresql")


def upgrade() -> None:
    bands = op.create_table(
        "ladder_rating_bands",
        sa.Column("season_id", _KEY, nullable=False),
        sa.Column("scope", _SCOPE, nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("players", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "season_id", "scope", "band", name=op.f("pk_ladder_rating_bands")
        ),
    )
    ratings = sa.table(
        "ladder_ratings",
        sa.column("season_id", sa.String),
        sa.column("scope", sa.String),
        sa.column("rating", sa.Float),
    )
    # Counted here rather than in SQL: SQLite may be built without floor().
    counted: Counter[tuple[str, str, int]] = Counter()
    rows = op.get_bind().execute(
        sa.select(ratings.c.season_id, ratings.c.scope, ratings.c.rating)
    )
    for season_id, scope, rating in rows:
        counted[(season_id, scope, math.floor(rating))] += 1
    if counted:
        op.bulk_insert(
            bands,
            [
                {"season_id": s, "scope": c, "band": b, "players": n}
                for (s, c, b), n in sorted(counted.items())
            ],
        )


def downgrade() -> None:
    op.drop_table("ladder_rating_bands")
