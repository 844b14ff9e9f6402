"""Login attempts by account and source (replacing per-email login failures), reserved atomically.

login_failures counted failures per email with a read-then-write that lost counts under parallel requests
and let anyone lock any account. login_attempts holds one row per (email, client source) and one
account-wide row per email (source "*"); see pgadmin_lite/auth/lockout.py. Running lockouts are not
carried over: the upgrade unlocks every account.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("email", sa.String(254), primary_key=True),
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_ends", sa.DateTime(timezone=True), nullable=False),
        sa.Column("known_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.drop_table("login_failures")


def downgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("email", sa.String(254), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.drop_table("login_attempts")
