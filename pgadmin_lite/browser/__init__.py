"""The object browser: tree, properties, DDL, changes and view-data, on short-lived connections of their own."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from pgadmin_lite.browser.api_schemas import QUERY, SCHEMAS
    from pgadmin_lite.web.openapi import register_schemas

    register_schemas(app, SCHEMAS, QUERY)
    from pgadmin_lite.browser import change_views, data_views, views

    app.register_blueprint(views.bp)
    app.register_blueprint(change_views.bp)
    app.register_blueprint(data_views.bp)
