"""Query history per server and database, and what kind of run each entry was (a query or an EXPLAIN of it).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("query_history") as batch:
        batch.add_column(sa.Column("kind", sa.String(24), nullable=False, server_default="query"))
    op.create_index("ix_query_history_user_server", "query_history", ["user_id", "server_id", "database", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_query_history_user_server", table_name="query_history")
    with op.batch_alter_table("query_history") as batch:
        batch.drop_column("kind")
