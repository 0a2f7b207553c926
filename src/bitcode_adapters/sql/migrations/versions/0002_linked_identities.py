"""Sign-in with Google: linked provider identities and browser sign-in attempts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.String(64)
DIGEST = sa.String(128)


def upgrade() -> None:
    op.create_table(
        "linked_identities",
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("linked_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_linked_identities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("issuer", "subject", name=op.f("pk_linked_identities")),
        sa.UniqueConstraint(
            "user_id", "issuer", name=op.f("uq_linked_identities_user_id_issuer")
        ),
    )
    op.create_table(
        "sign_in_attempts",
        sa.Column("state_hash", DIGEST, nullable=False),
        sa.Column("browser_hash", DIGEST, nullable=False),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("return_to", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_sign_in_attempts")),
    )
    op.create_index(
        op.f("ix_sign_in_attempts_expires_at"), "sign_in_attempts", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_attempts_expires_at"), "sign_in_attempts")
    op.drop_table("sign_in_attempts")
    op.drop_table("linked_identities")
