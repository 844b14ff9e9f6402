"""Alembic: one head, and upgrade from an empty database gives exactly the models' tables (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade
from sqlalchemy import inspect, text

from pgadmin_lite import create_app
from pgadmin_lite.configdb import MIGRATIONS_DIR, check_schema, migration_revisions, schema_state, upgrade_schema
from pgadmin_lite.errors import ConfigError
from pgadmin_lite.extensions import db
from tests.plugins.postgres_fixture import PgServer

SECRET = "migration-test-secret-" + "x" * 32


def test_single_head_and_a_linear_history() -> None:
    script = ScriptDirectory(MIGRATIONS_DIR)
    heads = script.get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads}; merge them"
    revisions = list(script.walk_revisions())
    assert [r for r in revisions if r.down_revision is None] == [revisions[-1]], "more than one base"
    for revision in revisions:
        assert revision.doc and revision.doc.strip(), f"revision {revision.revision} has no description"
        assert re.match(r"^\w+_[a-z0-9_]{6,}\.py$", Path(revision.path).name), \
            f"{Path(revision.path).name}: name the migration after what it does"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_app(request: pytest.FixtureRequest, tmp_path: Path) -> Flask:
    """An app on an empty config database (no schema at all)."""
    settings = {"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": SECRET}
    if request.param == "postgresql":
        server: PgServer = request.getfixturevalue("pg_server")
        database: str = request.getfixturevalue("pg_database")
        settings["CONFIG_DATABASE_URI"] = f"postgresql://{server.user}@{server.host}:{server.port}/{database}"
    return create_app(settings, require_schema=False)


def table_names(app: Flask) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def test_upgrade_from_empty_matches_the_models(empty_app: Flask) -> None:
    assert table_names(empty_app) == set()
    with pytest.raises(ConfigError, match="setup-db"):
        check_schema(empty_app)
    with empty_app.app_context():
        upgrade_schema(empty_app)
        current, head = schema_state(db.engine)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                             "compare_server_default": False})
            diff = compare_metadata(context, db.metadata)
    assert current == head
    assert diff == [], f"the migrations and the models differ: {diff}"
    assert table_names(empty_app) == {t.name for t in db.metadata.sorted_tables} | {"alembic_version"}
    check_schema(empty_app)  # the app accepts it
    create_app({k: empty_app.config[k] for k in ("DATA_DIR", "SECRET_KEY", "CONFIG_DATABASE_URI")})


def test_downgrade_to_base_and_upgrade_again(empty_app: Flask) -> None:
    with empty_app.app_context():
        upgrade_schema(empty_app)
        downgrade(directory=MIGRATIONS_DIR, revision="base")
    assert table_names(empty_app) <= {"alembic_version"}
    with empty_app.app_context():
        upgrade_schema(empty_app)
        current, head = schema_state(db.engine)
    assert current == head
    assert table_names(empty_app) >= {t.name for t in db.metadata.sorted_tables}


def test_sqlite_config_db_is_wal_with_a_busy_timeout_and_private(tmp_path: Path) -> None:
    """Issue item 3: WAL, a busy timeout of several seconds, file 0600 (whatever the umask)."""
    old = os.umask(0)
    try:
        app = create_app({"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": SECRET}, require_schema=False)
        with app.app_context():
            upgrade_schema(app)
            journal = db.session.execute(text("PRAGMA journal_mode")).scalar()
            busy_ms = db.session.execute(text("PRAGMA busy_timeout")).scalar()
    finally:
        os.umask(old)
    assert journal == "wal"
    assert busy_ms >= 5000
    assert stat.S_IMODE(Path(app.config["SQLITE_PATH"]).stat().st_mode) == 0o600


def test_serving_reads_the_same_revisions_as_alembic() -> None:
    """The app checks the schema without importing Alembic; its reading of versions/ must match Alembic's."""
    script = ScriptDirectory(MIGRATIONS_DIR)
    known, head = migration_revisions()
    assert head == script.get_current_head()
    assert known == {rev.revision for rev in script.walk_revisions()}
