"""The workspace's layout: the open tabs of a user's workspace page, kept so a reload or restart finds them back."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from pgadmin_lite.workspace.views import bp

    app.register_blueprint(bp)
