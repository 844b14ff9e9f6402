"""Server registrations, the credential vault, and servers.json import/export."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from pgadmin_lite.servers.views import bp

    app.register_blueprint(bp)
