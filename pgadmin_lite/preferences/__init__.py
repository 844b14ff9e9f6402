"""Per-user preferences: theme, editor font size, default transaction modes, result preview size."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError


def page_preferences() -> dict[str, Any]:
    """What every page renders server-side (theme and font size on <html>, so nothing flashes)."""
    from pgadmin_lite.preferences import service

    if not current_user.is_authenticated:
        return {"ui_prefs": service.DEFAULTS}
    if "ui_prefs" not in g:
        try:
            g.ui_prefs = service.load(current_user.id)
        except SQLAlchemyError:  # an error page about the config DB must still render, in the default look
            current_app.logger.warning("Preferences unreadable; the page uses the default look", exc_info=True)
            g.ui_prefs = service.DEFAULTS
    return {"ui_prefs": g.ui_prefs}


def init_app(app: Flask) -> None:
    from pgadmin_lite.preferences.api_schemas import SCHEMAS
    from pgadmin_lite.preferences.views import bp
    from pgadmin_lite.web.openapi import register_schemas

    app.register_blueprint(bp)
    register_schemas(app, SCHEMAS)
    app.context_processor(page_preferences)
