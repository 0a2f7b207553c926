"""Live battles, their players and submissions; seasons and the ladder's
ratings, their changes and the battles rated, in order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.String(64)
# Ladder keys sort by code point on PostgreSQL too (the "C" collation).
KEY = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")
SCOPE = sa.String(16).with_variant(sa.String(16, collation="C"), "postgresql")
PLAYER = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    _battles()
    _battle_players()
    _battle_submissions()
    _seasons()
    _ladder_ratings()
    _ladder_changes()
    _rated_battles()


def downgrade() -> None:
    op.drop_table("rated_battles")
    op.drop_index(op.f("ix_ladder_changes_player_season_id_scope_at"), "ladder_changes")
    op.drop_table("ladder_changes")
    op.drop_index("ix_ladder_ratings_board", "ladder_ratings")
    op.drop_table("ladder_ratings")
    op.drop_table("seasons")
    op.drop_index(op.f("ix_battle_submissions_player_status"), "battle_submissions")
    op.drop_index(
        op.f("ix_battle_submissions_status_lease_until"), "battle_submissions"
    )
    op.drop_index(op.f("ix_battle_submissions_battle_id"), "battle_submissions")
    op.drop_table("battle_submissions")
    op.drop_index(op.f("ix_battle_players_player"), "battle_players")
    op.drop_table("battle_players")
    op.drop_index(op.f("ix_battles_status_ends_at"), "battles")
    op.drop_index(op.f("ix_battles_status_starts_at"), "battles")
    op.drop_table("battles")


def _battles() -> None:
    op.create_table(
        "battles",
        sa.Column("id", ID, nullable=False),
        sa.Column("room_id", ID, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("starts_at", sa.Double(), nullable=False),
        sa.Column("ends_at", sa.Double(), nullable=False),
        sa.Column("penalty_s", sa.Double(), nullable=False),
        sa.Column("previous", ID, nullable=True),
        sa.Column("rematch", ID, nullable=True),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("sides", sa.Text(), nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.Column("names", sa.Text(), nullable=False),
        sa.Column("forfeits", sa.Text(), nullable=False),
        sa.Column("rematch_votes", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("ended_at", sa.Double(), nullable=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("season_id", ID, nullable=True),
        sa.CheckConstraint(
            "status IN ('countdown', 'running', 'finished')",
            name=op.f("ck_battles_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_battles")),
    )
    op.create_index(
        op.f("ix_battles_status_starts_at"), "battles", ["status", "starts_at"]
    )
    op.create_index(op.f("ix_battles_status_ends_at"), "battles", ["status", "ends_at"])


def _battle_players() -> None:
    op.create_table(
        "battle_players",
        sa.Column("battle_id", ID, nullable=False),
        sa.Column("player", sa.Text(), nullable=False),
        sa.Column("side", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["battle_id"],
            ["battles.id"],
            name=op.f("fk_battle_players_battle_id_battles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("battle_id", "player", name=op.f("pk_battle_players")),
    )
    op.create_index(op.f("ix_battle_players_player"), "battle_players", ["player"])


def _battle_submissions() -> None:
    op.create_table(
        "battle_submissions",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("battle_id", ID, nullable=False),
        sa.Column("player", sa.Text(), nullable=False),
        sa.Column("question_id", sa.String(64), nullable=False),
        sa.Column("language", sa.String(32), nullable=False),
        sa.Column("source", sa.LargeBinary(), nullable=False),
        sa.Column("submitted_at", sa.Double(), nullable=False),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("verdict", sa.String(8), nullable=True),
        sa.Column("tests", sa.Text(), nullable=False),
        sa.Column("tests_total", sa.Integer(), nullable=False),
        sa.Column("compile_log", sa.Text(), nullable=False),
        sa.Column("judged_at", sa.Double(), nullable=True),
        sa.Column("holder", sa.Text(), nullable=True),
        sa.Column("lease_until", sa.Double(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'judged', 'discarded')",
            name=op.f("ck_battle_submissions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["battle_id"],
            ["battles.id"],
            name=op.f("fk_battle_submissions_battle_id_battles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_battle_submissions")),
        sa.UniqueConstraint("id", name=op.f("uq_battle_submissions_id")),
        sa.UniqueConstraint(
            "battle_id",
            "player",
            "key",
            name=op.f("uq_battle_submissions_battle_id_player_key"),
        ),
    )
    op.create_index(
        op.f("ix_battle_submissions_battle_id"), "battle_submissions", ["battle_id"]
    )
    op.create_index(
        op.f("ix_battle_submissions_status_lease_until"),
        "battle_submissions",
        ["status", "lease_until"],
    )
    op.create_index(
        op.f("ix_battle_submissions_player_status"),
        "battle_submissions",
        ["player", "status"],
    )


def _seasons() -> None:
    op.create_table(
        "seasons",
        sa.Column("id", ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("starts_at", sa.Double(), nullable=False),
        sa.Column("ends_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seasons")),
        sa.UniqueConstraint("number", name=op.f("uq_seasons_number")),
    )


def _ladder_ratings() -> None:
    op.create_table(
        "ladder_ratings",
        sa.Column("season_id", KEY, nullable=False),
        sa.Column("scope", SCOPE, nullable=False),
        sa.Column("player", PLAYER, nullable=False),
        sa.Column("rating", sa.Double(), nullable=False),
        sa.Column("rated_battles", sa.Integer(), nullable=False),
        sa.Column("best", sa.Double(), nullable=False),
        sa.Column("wins", sa.Integer(), nullable=False),
        sa.Column("losses", sa.Integer(), nullable=False),
        sa.Column("draws", sa.Integer(), nullable=False),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint(
            "season_id", "scope", "player", name=op.f("pk_ladder_ratings")
        ),
    )
    op.create_index(
        "ix_ladder_ratings_board",
        "ladder_ratings",
        ["season_id", "scope", sa.text("rating DESC"), "player"],
    )


def _ladder_changes() -> None:
    op.create_table(
        "ladder_changes",
        sa.Column("battle_id", ID, nullable=False),
        sa.Column("player", sa.Text(), nullable=False),
        sa.Column("season_id", ID, nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("before", sa.Double(), nullable=False),
        sa.Column("after", sa.Double(), nullable=False),
        sa.Column("k", sa.Double(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('win', 'draw', 'loss')",
            name=op.f("ck_ladder_changes_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["battle_id"],
            ["battles.id"],
            name=op.f("fk_ladder_changes_battle_id_battles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "battle_id", "player", "season_id", "scope", name=op.f("pk_ladder_changes")
        ),
    )
    op.create_index(
        op.f("ix_ladder_changes_player_season_id_scope_at"),
        "ladder_changes",
        ["player", "season_id", "scope", "at"],
    )


def _rated_battles() -> None:
    op.create_table(
        "rated_battles",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("battle_id", ID, nullable=False),
        sa.Column("battle", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["battle_id"],
            ["battles.id"],
            name=op.f("fk_rated_battles_battle_id_battles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_rated_battles")),
        sa.UniqueConstraint("battle_id", name=op.f("uq_rated_battles_battle_id")),
        sqlite_autoincrement=True,
    )
