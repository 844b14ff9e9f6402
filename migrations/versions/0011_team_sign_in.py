"""Issue 18's tables: custom roles and their permissions, groups (local, LDAP, OIDC) and members, shares of a
server with chosen users, roles or groups, the append-only audit log, TOTP recovery codes; on users, the
custom role, the sign-in source and external id, a display name and the TOTP secret (vault ciphertext).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("permissions", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("require_mfa", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("source", sa.String(64), nullable=False, server_default="local"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source", "name", name="uq_groups_source_name"),
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                  index=True),
    )
    op.create_table(
        "server_shares",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("server_id", sa.Integer(), sa.ForeignKey("servers.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.UniqueConstraint("server_id", "kind", "target_id", name="uq_server_shares_target"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("actor_id", sa.Integer(), nullable=True, index=True),
        sa.Column("actor_email", sa.String(254), nullable=True),
        sa.Column("action", sa.String(64), nullable=False, index=True),
        sa.Column("outcome", sa.String(16), nullable=False, server_default="ok"),
        sa.Column("target", sa.String(255), nullable=True),
        sa.Column("source", sa.String(64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False, server_default="{}"),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("code_hash", sa.String(255), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("role_id", sa.Integer(), sa.ForeignKey("roles.id", name="fk_users_role_id",
                                                                          ondelete="RESTRICT"), nullable=True))
        batch.add_column(sa.Column("auth_source", sa.String(64), nullable=False, server_default="internal"))
        batch.add_column(sa.Column("external_id", sa.String(512), nullable=True))
        batch.add_column(sa.Column("display_name", sa.String(255), nullable=True))
        batch.add_column(sa.Column("totp_secret_enc", sa.Text(), nullable=True))
        batch.add_column(sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint("uq_users_source_external_id", ["auth_source", "external_id"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_source_external_id", type_="unique")
        for name in ("totp_enabled_at", "totp_secret_enc", "display_name", "external_id", "auth_source"):
            batch.drop_column(name)
        batch.drop_constraint("fk_users_role_id", type_="foreignkey")
        batch.drop_column("role_id")
    for table in ("recovery_codes", "audit_log", "server_shares", "group_members", "groups", "roles"):
        op.drop_table(table)
