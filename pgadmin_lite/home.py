"""The console's landing page after login."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template
from flask.typing import ResponseReturnValue

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    return render_template("home.html")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
