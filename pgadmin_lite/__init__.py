"""pgadmin_lite: a light, server-mode web console for PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Flask is imported by create_app only: errors, settings, servermgr and jobs never load it
    from flask import Flask

__version__ = "0.1.0"  # pyproject.toml reads it from here (importlib.metadata would cost every start 40 ms)


def create_app(overrides: Mapping[str, Any] | None = None, *, require_schema: bool = True) -> Flask:
    """Build the app: settings, then each subsystem in order (this reads as the table of contents)."""
    from flask import Flask

    from pgadmin_lite import (
        audit,
        auth,
        browser,
        configdb,
        connections,
        dashboard,
        drafts,
        home,
        jobs,
        logs,
        preferences,
        query_tool,
        servers,
        settings,
        storage,
        tool_sessions,
        users,
        workspace,
    )
    from pgadmin_lite.directories import ensure_directories
    from pgadmin_lite.extensions import csrf
    from pgadmin_lite.keyfiles import read_key_file
    from pgadmin_lite.web import (
        body_limit,
        converters,
        errors,
        health,
        memory,
        openapi,
        proxy,
        security_headers,
        static_files,
    )
    from pgadmin_lite.web import input as web_input

    config = settings.load_settings(overrides=overrides)
    ensure_directories(config)
    app = Flask(__name__)
    app.config.update(config)
    app.config["VERSION"] = __version__
    app.config["SECRET_KEY"] = config["SECRET_KEY"] or read_key_file(config["SECRET_KEY_FILE"], "SECRET_KEY_FILE")
    app.config["MAX_CONTENT_LENGTH"] = None  # body_limit bounds bodies (Werkzeug's limit truncates chunked ones)
    logs.init_app(app)
    errors.init_app(app)
    converters.init_app(app)  # before any route: every <int:id> is bounded
    body_limit.init_app(app)  # before auth and CSRF: an oversized body is refused before anything reads it
    web_input.init_app(app)  # NUL in a query string or form: 400 before any side effect
    configdb.configure(app)
    if require_schema:
        configdb.check_schema(app)
    auth.init_app(app)  # before CSRF: an expired login is a 401 the page can act on, not a CSRF 400
    csrf.init_app(app)
    security_headers.init_app(app)
    health.init_app(app)
    memory.init_app(app)
    home.init_app(app)
    preferences.init_app(app)
    users.init_app(app)
    audit.init_app(app)
    storage.init_app(app)
    jobs.init_app(app)
    servers.init_app(app)
    connections.init_app(app)
    query_tool.init_app(app)
    tool_sessions.init_app(app)
    browser.init_app(app)
    dashboard.init_app(app)
    openapi.init_app(app)
    drafts.init_app(app)
    workspace.init_app(app)
    app.wsgi_app = body_limit.BoundedBody(app.wsgi_app, config["MAX_REQUEST_BODY_SIZE"])  # type: ignore[method-assign]
    static_files.init_app(app)  # wraps wsgi_app: /static/ answered before Flask, fingerprinted in url_for
    app.wsgi_app = proxy.TrustedProxyMiddleware(app.wsgi_app, config["TRUSTED_PROXIES"])  # type: ignore[method-assign]
    return app
