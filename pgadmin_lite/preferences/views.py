"""Preferences over HTTP: the /preferences page and GET/PUT /api/v1/preferences (the caller's own)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.preferences import service, shortcuts
from pgadmin_lite.users.permissions import ANY_USER, blueprint_requires
from pgadmin_lite.web.input import json_body

bp = Blueprint("preferences", __name__)
blueprint_requires(bp, ANY_USER)
API = "/api/v1/preferences"


def max_preview_rows() -> int:
    return current_app.config["RESULT_PREVIEW_ROWS"]


@bp.get("/preferences")
def preferences_page() -> ResponseReturnValue:
    chosen = service.load(current_user.id)
    return render_template("preferences.html", preferences=chosen, shortcuts=shortcuts.table(chosen["shortcuts"]),
                           themes=service.THEMES, font_sizes=service.FONT_SIZES, mode_names=service.MODE_NAMES,
                           max_preview_rows=max_preview_rows())


@bp.get(API)
def get_preferences() -> ResponseReturnValue:
    return jsonify(service.load(current_user.id))


@bp.put(API)
def put_preferences() -> ResponseReturnValue:
    """Change the keys the body names (the others keep their value); answers the whole document."""
    return jsonify(service.save(current_user.id, json_body(), max_preview_rows=max_preview_rows()))
