"""Server registrations and the per-user credentials (saved passwords only as vault ciphertext)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pgadmin_lite.extensions import db
from pgadmin_lite.models.columns import UTCDateTime, utcnow


class Server(db.Model):
    """A PostgreSQL server a user registered; an administrator's can be shared with everyone."""

    __tablename__ = "servers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    group_name: Mapped[str] = mapped_column(String(128), nullable=False, default="Servers")
    host: Mapped[str | None] = mapped_column(String(1024), nullable=True)  # None: a service-only entry
    port: Mapped[int] = mapped_column(Integer, nullable=False, default=5432)
    maintenance_db: Mapped[str] = mapped_column(String(255), nullable=False, default="postgres")
    username: Mapped[str] = mapped_column(String(255), nullable=False)
    sslmode: Mapped[str] = mapped_column(String(16), nullable=False, default="prefer")
    connect_params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    # The query tool's transaction modes for this server ({"autocommit": false, ...}); absent: the app's defaults.
    query_modes: Mapped[dict[str, bool]] = mapped_column(JSON, nullable=False, default=dict)
    # An SSH tunnel ({"host", "port", "username", "auth": "password"|"key", "keepalive_s"}; {}: none) and the
    # bastion's host key trusted on first use ("<type> <base64>"; None: not seen yet).
    ssh_tunnel: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    ssh_host_key: Mapped[str | None] = mapped_column(Text, nullable=True)
    # TLS files everyone using the server shares ({"sslrootcert"|"sslcrl": {"name", "pem"}}); a client's
    # certificate and key are the user's own (ServerCredential.secrets_enc).
    tls_files: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    service: Mapped[str | None] = mapped_column(String(255), nullable=True)  # in the operator's pg_service.conf
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    role: Mapped[str | None] = mapped_column(String(255), nullable=True)  # SET ROLE to it after connecting
    db_restriction: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)  # the tree's databases
    colors: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)  # {"bg", "fg"}
    read_only: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # a rail, not a boundary
    post_connection_sql: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The query tool's defaults here ({"statement_timeout_ms", "preview_rows"}); absent: the user's or the app's.
    query_defaults: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False, default=dict)
    is_shared: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)


class ServerCredential(db.Model):
    """One user's own login to one server: a username override and/or a saved password (ciphertext)."""

    __tablename__ = "server_credentials"
    __table_args__ = (UniqueConstraint("server_id", "user_id", name="uq_server_credentials_server_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server_id: Mapped[int] = mapped_column(Integer, ForeignKey("servers.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    username: Mapped[str | None] = mapped_column(String(255), nullable=True)
    password_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The user's other secrets for the server, one vault ciphertext of a JSON object (servers/secrets.py).
    secrets_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    passfile: Mapped[str | None] = mapped_column(String(1024), nullable=True)  # a path in the user's file area
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)
