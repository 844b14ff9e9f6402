"""Administrator-only user management (page and API)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from pgadmin_lite.users.group_views import bp as groups_bp
    from pgadmin_lite.users.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(groups_bp)
