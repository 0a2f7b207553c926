"""Live battles, their players and submissions, and the ratings they moved.

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


def upgrade() -> None:
    _battles()
    _battle_players()
    _battle_submissions()
    _rating_changes()


def downgrade() -> None:
    op.drop_table("rating_changes")
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


def _rating_changes() -> None:
    op.create_table(
        "rating_changes",
        sa.Column("battle_id", ID, nullable=False),
        sa.Column("player", sa.Text(), nullable=False),
        sa.Column("before", sa.Double(), nullable=False),
        sa.Column("after", sa.Double(), nullable=False),
        sa.Column("k", sa.Double(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["battle_id"],
            ["battles.id"],
            name=op.f("fk_rating_changes_battle_id_battles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("battle_id", "player", name=op.f("pk_rating_changes")),
    )
