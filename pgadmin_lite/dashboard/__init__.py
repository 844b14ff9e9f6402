"""The dashboard: sessions (cancel, terminate), locks, prepared transactions, settings, pg_hba rules, graphs."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from pgadmin_lite.dashboard.api_schemas import QUERY, SCHEMAS
    from pgadmin_lite.web.openapi import register_schemas

    register_schemas(app, SCHEMAS, QUERY)
    from pgadmin_lite.dashboard.views import bp

    app.register_blueprint(bp)
