"""Server registrations and per-user server credentials.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "servers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("group_name", sa.String(128), nullable=False, server_default="Servers"),
        sa.Column("host", sa.String(1024), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False, server_default="5432"),
        sa.Column("maintenance_db", sa.String(255), nullable=False, server_default="postgres"),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("sslmode", sa.String(16), nullable=False, server_default="prefer"),
        sa.Column("connect_params", sa.JSON(), nullable=False),
        sa.Column("is_shared", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_servers_user_id", "servers", ["user_id"])
    op.create_table(
        "server_credentials",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("server_id", sa.Integer(), sa.ForeignKey("servers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("username", sa.String(255), nullable=True),
        sa.Column("password_enc", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("server_id", "user_id", name="uq_server_credentials_server_user"),
    )
    op.create_index("ix_server_credentials_user_id", "server_credentials", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_server_credentials_user_id", table_name="server_credentials")
    op.drop_table("server_credentials")
    op.drop_index("ix_servers_user_id", table_name="servers")
    op.drop_table("servers")
