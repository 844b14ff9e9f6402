"""The object browser: catalog listings on short-lived connections."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from pgadmin_lite.browser.views import bp

    app.register_blueprint(bp)
