"""The initial schema: accounts, sessions, tokens, the catalog and ratings.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(64)
DIGEST = sa.String(128)


def upgrade() -> None:
    _accounts()
    _catalog()
    op.create_table(
        "player_ratings",
        sa.Column("player", sa.Text(), nullable=False),
        sa.Column("rating", sa.Double(), nullable=False),
        sa.Column("rated_battles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("player", name=op.f("pk_player_ratings")),
    )


def downgrade() -> None:
    for table in (
        "player_ratings",
        "question_tests",
        "question_tags",
        "question_versions",
        "questions",
        "one_time_tokens",
        "refresh_tokens",
        "device_sessions",
        "users",
    ):
        op.drop_table(table)


def _accounts() -> None:
    op.create_table(
        "users",
        sa.Column("id", ID, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("email_verified", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("avatar_url", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "role IN ('player', 'setter', 'admin')", name=op.f("ck_users_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "device_sessions",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("last_used_at", sa.Double(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.Column("user_agent", sa.Text(), nullable=False),
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_device_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_sessions")),
    )
    op.create_index(op.f("ix_device_sessions_user_id"), "device_sessions", ["user_id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", DIGEST, nullable=False),
        sa.Column("session_id", ID, nullable=False),
        sa.Column("issued_at", sa.Double(), nullable=False),
        sa.Column("spent_at", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["device_sessions.id"],
            name=op.f("fk_refresh_tokens_session_id_device_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_refresh_tokens")),
    )
    op.create_index(
        op.f("ix_refresh_tokens_session_id"), "refresh_tokens", ["session_id"]
    )
    op.create_table(
        "one_time_tokens",
        sa.Column("token_hash", DIGEST, nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_one_time_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_one_time_tokens")),
    )
    op.create_index(
        op.f("ix_one_time_tokens_user_id_purpose"),
        "one_time_tokens",
        ["user_id", "purpose"],
    )


def _catalog() -> None:
    op.create_table(
        "questions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("deleted_at", sa.Double(), nullable=True),
        sa.CheckConstraint(
            "latest_version >= 1",
            name=op.f("ck_questions_latest_version_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    op.create_table(
        "question_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("question_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("setter_id", ID, nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("statement_format", sa.String(16), nullable=False),
        sa.Column("difficulty", sa.String(16), nullable=False),
        sa.Column("time_limit_s", sa.Double(), nullable=False),
        sa.Column("memory_limit_mib", sa.Integer(), nullable=False),
        sa.Column("output_limit_mib", sa.Integer(), nullable=False),
        sa.Column("case_sensitive", sa.Boolean(), nullable=False),
        sa.Column("space_change_sensitive", sa.Boolean(), nullable=False),
        sa.Column("float_absolute_tolerance", sa.Double(), nullable=True),
        sa.Column("float_relative_tolerance", sa.Double(), nullable=True),
        sa.Column("validator_language", sa.String(32), nullable=True),
        sa.Column("validator_filename", sa.Text(), nullable=True),
        sa.Column("validator_source", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint(
            "version >= 1", name=op.f("ck_question_versions_version_positive")
        ),
        sa.CheckConstraint(
            "difficulty IN ('easy', 'medium', 'hard')",
            name=op.f("ck_question_versions_difficulty"),
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_question_versions_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_versions")),
        sa.UniqueConstraint(
            "question_id",
            "version",
            name=op.f("uq_question_versions_question_id_version"),
        ),
    )
    op.create_table(
        "question_tags",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tag", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["question_versions.id"],
            name=op.f("fk_question_tags_version_id_question_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "version_id", "position", name=op.f("pk_question_tags")
        ),
    )
    op.create_table(
        "question_tests",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("input", sa.LargeBinary(), nullable=False),
        sa.Column("answer", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["question_versions.id"],
            name=op.f("fk_question_tests_version_id_question_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "version_id", "position", name=op.f("pk_question_tests")
        ),
    )
