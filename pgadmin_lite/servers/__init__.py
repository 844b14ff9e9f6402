"""Server registrations, the credential vault, the server policy, and servers.json import/export."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pgadmin_lite.servers.policy import ServerPolicy

if TYPE_CHECKING:  # the policy is imported by layers that know no Flask
    from flask import Flask

POLICY_KEY = "server_policy"


def init_app(app: Flask) -> None:
    """Build the server policy at start-up, so a malformed SERVER_* setting (or PG_SERVICE_FILE) stops the app
    with one line."""
    from pgadmin_lite.servers import access_events, pg_services
    from pgadmin_lite.servers.json_views import QUERY, SCHEMAS
    from pgadmin_lite.servers.json_views import bp as json_bp
    from pgadmin_lite.servers.share_views import SCHEMAS as SHARE_SCHEMAS
    from pgadmin_lite.servers.share_views import bp as shares_bp
    from pgadmin_lite.servers.views import bp
    from pgadmin_lite.web.openapi import register_schemas

    app.extensions[POLICY_KEY] = ServerPolicy.from_settings(app.config)
    pg_services.read_services(app.config["PG_SERVICE_FILE"])  # an unreadable PG_SERVICE_FILE stops the start
    app.register_blueprint(bp)
    app.register_blueprint(json_bp)
    app.register_blueprint(shares_bp)
    access_events.connect()
    register_schemas(app, SCHEMAS, QUERY)
    register_schemas(app, SHARE_SCHEMAS)


def current_policy() -> ServerPolicy:
    """The server policy of the app handling this request (for callers without one at hand)."""
    from flask import current_app

    policy: ServerPolicy = current_app.extensions[POLICY_KEY]
    return policy
