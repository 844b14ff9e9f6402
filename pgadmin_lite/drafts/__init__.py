"""Autosaved editor drafts: the server-side copy of each query-tool editor's text."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from pgadmin_lite.drafts.views import bp

    app.register_blueprint(bp)
