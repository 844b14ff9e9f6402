"""The console's landing page after login (the workspace), and the servers page it opens as a tab."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template
from flask.typing import ResponseReturnValue

from pgadmin_lite.users.permissions import ANY_USER, blueprint_requires

bp = Blueprint("home", __name__)
blueprint_requires(bp, ANY_USER)


@bp.get("/")
def index() -> ResponseReturnValue:
    """The workspace: every server's tree on the left, tools in tabs on the right."""
    return render_template("workspace.html")


@bp.get("/servers")
def servers_page() -> ResponseReturnValue:
    """The servers list: add, edit, test and delete registrations."""
    return render_template("home.html")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
