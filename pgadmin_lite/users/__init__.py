"""Administrator-only user management (page and API)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from pgadmin_lite.users.group_views import SCHEMAS
    from pgadmin_lite.users.group_views import bp as groups_bp
    from pgadmin_lite.users.views import bp
    from pgadmin_lite.web.openapi import register_schemas

    app.register_blueprint(bp)
    app.register_blueprint(groups_bp)
    register_schemas(app, SCHEMAS)
