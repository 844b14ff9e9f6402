"""The config database: its URL, SQLite tuning, and the schema-version gate."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine

from pgadmin_lite.errors import ConfigError
from pgadmin_lite.extensions import db

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


SQLITE_CACHE_KIB = 256  # page cache per SQLite connection (config DB and session store)


def _tune_sqlite(dbapi_conn: Any, _record: Any) -> None:
    """WAL lets the session reader and a writer overlap; busy_timeout waits instead of failing.

    Each pooled connection caches pages of its own (2 MiB by default): as the history grows, so would the
    worker, by that much per connection, and stay so; the OS page cache holds the file anyway.
    """
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def _create_sqlite_file(path: str) -> None:
    """Create the SQLite file 0600 before SQLite does it with the umask."""
    if not os.path.exists(path):
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def configure(app: Flask) -> None:
    url = database_url(app.config)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options: dict[str, Any] = {}
    if not url.startswith("sqlite"):
        options["pool_pre_ping"] = True  # a network database may drop idle connections; a file cannot
    else:
        _create_sqlite_file(app.config["SQLITE_PATH"])
        options["connect_args"] = {"timeout": app.config["SQLITE_BUSY_TIMEOUT"], "check_same_thread": False}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    db.init_app(app)
    if url.startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _tune_sqlite)


REVISION_RE = re.compile(r'^(down_revision|revision)\s*=\s*["\']?(\w+|None)["\']?', re.M)


@cache
def migration_revisions() -> tuple[frozenset[str], str]:
    """(every revision, the head) read from migrations/versions without importing Alembic.

    Serving never needs Alembic (about 11 MiB resident); a test checks this agrees with Alembic's own view.
    """
    revisions: dict[str, str | None] = {}
    for path in Path(MIGRATIONS_DIR, "versions").glob("*.py"):
        fields = dict(REVISION_RE.findall(path.read_text(encoding="utf-8")))
        if "revision" in fields:
            revisions[fields["revision"]] = None if fields.get("down_revision") in (None, "None") else \
                fields["down_revision"]
    parents = {parent for parent in revisions.values() if parent}
    heads = [rev for rev in revisions if rev not in parents]
    return frozenset(revisions), heads[0] if len(heads) == 1 else ""


def schema_state(engine: Engine) -> tuple[str | None, str]:
    """Return (current revision of the database, head revision of the code)."""
    with engine.connect() as conn:
        current = None
        if inspect(conn).has_table("alembic_version"):
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return current, migration_revisions()[1]


def check_schema(app: Flask, *, allow_upgrade: bool = False) -> None:
    """Refuse to serve a database that is missing, older, or newer than this code.

    With allow_upgrade (setup-db, about to upgrade), only a schema newer than the code is refused.
    """
    with app.app_context():
        current, head = schema_state(db.engine)
        if current == head:
            return
    known = migration_revisions()[0]
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


def upgrade_schema(app: Flask) -> None:
    """Create or upgrade the schema with Alembic, inside an app context (setup-db; serving never needs it)."""
    from flask_migrate import Migrate, upgrade

    Migrate(app, db, directory=MIGRATIONS_DIR)
    upgrade(directory=MIGRATIONS_DIR)
