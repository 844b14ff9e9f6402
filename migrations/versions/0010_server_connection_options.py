"""What issue 17 lets a registration say: an SSH tunnel (and its bastion's host key), TLS files, a service, the
read-only rail, post-connection SQL, a role, pgAdmin's other fields, query-tool defaults; per user, the secrets
(SSH password or key, TLS key) as one vault ciphertext and a passfile in the user's file area.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SERVER_COLUMNS = (
    ("ssh_tunnel", sa.JSON(), "{}"), ("tls_files", sa.JSON(), "{}"), ("db_restriction", sa.JSON(), "[]"),
    ("colors", sa.JSON(), "{}"), ("query_defaults", sa.JSON(), "{}"),
)


def upgrade() -> None:
    with op.batch_alter_table("servers") as batch:
        batch.alter_column("host", existing_type=sa.String(1024), nullable=True)  # a service-only entry has none
        for name, kind, default in SERVER_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=False, server_default=default))
        batch.add_column(sa.Column("ssh_host_key", sa.Text(), nullable=True))
        batch.add_column(sa.Column("service", sa.String(255), nullable=True))
        batch.add_column(sa.Column("comment", sa.Text(), nullable=True))
        batch.add_column(sa.Column("role", sa.String(255), nullable=True))
        batch.add_column(sa.Column("read_only", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("post_connection_sql", sa.Text(), nullable=True))
    with op.batch_alter_table("server_credentials") as batch:
        batch.add_column(sa.Column("secrets_enc", sa.Text(), nullable=True))
        batch.add_column(sa.Column("passfile", sa.String(1024), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("server_credentials") as batch:
        batch.drop_column("passfile")
        batch.drop_column("secrets_enc")
    with op.batch_alter_table("servers") as batch:
        for name in ("post_connection_sql", "read_only", "role", "comment", "service", "ssh_host_key"):
            batch.drop_column(name)
        for name, _kind, _default in reversed(SERVER_COLUMNS):
            batch.drop_column(name)
        batch.alter_column("host", existing_type=sa.String(1024), nullable=False)
