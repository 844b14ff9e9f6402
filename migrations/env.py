"""Alembic environment: migrate the config DB of the current Flask app."""

from __future__ import annotations

from alembic import context
from flask import current_app

from pgadmin_lite import models  # noqa: F401 - registers every table with the metadata
from pgadmin_lite.extensions import db

config = context.config


def run_offline() -> None:
    context.configure(url=current_app.config["SQLALCHEMY_DATABASE_URI"],
                      target_metadata=db.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=db.metadata, render_as_batch=True,
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
