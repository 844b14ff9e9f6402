"""User and role management (page and API), and the permission check templates use."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from pgadmin_lite.users.group_views import SCHEMAS as GROUP_SCHEMAS
    from pgadmin_lite.users.group_views import bp as groups_bp
    from pgadmin_lite.users.permissions import has_permission
    from pgadmin_lite.users.role_views import SCHEMAS as ROLE_SCHEMAS
    from pgadmin_lite.users.role_views import bp as roles_bp
    from pgadmin_lite.users.views import bp
    from pgadmin_lite.web.openapi import register_schemas

    app.jinja_env.globals["has_permission"] = has_permission  # templates hide what the role cannot do
    app.register_blueprint(bp)
    app.register_blueprint(roles_bp)
    app.register_blueprint(groups_bp)
    register_schemas(app, ROLE_SCHEMAS | GROUP_SCHEMAS)
