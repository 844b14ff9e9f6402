"""The config database: its URL, SQLite tuning, and the schema-version gate."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from pgadmin_lite.errors import ConfigError
from pgadmin_lite.extensions import db, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def database_url(settings: dict[str, Any]) -> str:
    """CONFIG_DATABASE_URI (a plain postgresql:// URL is accepted) or the SQLite file."""
    uri = settings["CONFIG_DATABASE_URI"]
    if not uri:
        return "sqlite:///" + settings["SQLITE_PATH"]
    for plain in ("postgresql://", "postgres://"):
        if uri.startswith(plain):
            return "postgresql+psycopg://" + uri[len(plain):]
    return uri


def _tune_sqlite(dbapi_conn: Any, _record: Any) -> None:
    """WAL lets the session reader and a writer overlap; busy_timeout waits instead of failing."""
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _create_sqlite_file(path: str) -> None:
    """Create the SQLite file 0600 before SQLite does it with the umask."""
    if not os.path.exists(path):
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def configure(app: Flask) -> None:
    url = database_url(app.config)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        _create_sqlite_file(app.config["SQLITE_PATH"])
        options["connect_args"] = {"timeout": app.config["SQLITE_BUSY_TIMEOUT"], "check_same_thread": False}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    if url.startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _tune_sqlite)


def schema_state(engine: Engine) -> tuple[str | None, str]:
    """Return (current revision of the database, head revision of the code)."""
    script = ScriptDirectory(MIGRATIONS_DIR)
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, script.get_current_head() or ""


def check_schema(app: Flask, *, allow_upgrade: bool = False) -> None:
    """Refuse to serve a database that is missing, older, or newer than this code.

    With allow_upgrade (setup-db, about to upgrade), only a schema newer than the code is refused.
    """
    with app.app_context():
        current, head = schema_state(db.engine)
        if current == head:
            return
        known = {rev.revision for rev in ScriptDirectory(MIGRATIONS_DIR).walk_revisions()}
    if allow_upgrade and (current is None or current in known):
        return
    where = (app.config["CONFIG_DATABASE_URI"] and "CONFIG_DATABASE_URI") or app.config["SQLITE_PATH"]
    if current is None:
        raise ConfigError(f"The config database ({where}) is not set up; run: python setup_db.py setup-db")
    if current not in known:
        raise ConfigError(f"The config database ({where}) has schema {current}, newer than this pgadmin_lite "
                          f"(head {head}); upgrade pgadmin_lite or point DATA_DIR at the matching data.")
    raise ConfigError(f"The config database ({where}) has schema {current}, older than {head}; "
                      "run: python setup_db.py setup-db")
