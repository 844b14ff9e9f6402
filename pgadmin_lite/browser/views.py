"""Object-browser HTTP API: the tree, each object's properties, SQL, statistics and dependencies.

Every call is about a server the user may use (404 otherwise) and runs on a short-lived connection of
its own. Objects are named by refs (see refs.py): query parameters here, JSON fields in change_views.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.browser import ddl, objects, options, tree
from pgadmin_lite.browser.catalog import Target, run_catalog
from pgadmin_lite.browser.changes import drop_impact
from pgadmin_lite.browser.refs import KINDS, Ref, check_name, parse_ref
from pgadmin_lite.servers import service as servers

bp = Blueprint("browser", __name__)
BASE = "/api/v1/servers/<int:server_id>"
OBJECT_KINDS = frozenset(KINDS)


def request_target(server_id: int) -> Target:
    """The server (if this user may use it) with the configured connect and statement timeouts."""
    cfg = current_app.config
    server = servers.get_server_for_user(current_user, server_id)
    return Target(server, current_user, cfg["CONNECT_TIMEOUT"], cfg["CATALOG_STATEMENT_TIMEOUT_MS"],
                  cfg["CHANGE_STATEMENT_TIMEOUT_MS"])


@bp.get("/servers/<int:server_id>/browser")
def browser_page(server_id: int) -> ResponseReturnValue:
    """The object-browser page (tree, object tabs, dialogs, view/edit data) for one server."""
    server = servers.get_server_for_user(current_user, server_id)
    return render_template("browser.html", server=server)


@bp.get(f"{BASE}/databases")
def databases(server_id: int) -> ResponseReturnValue:
    """Databases one can connect to (the query-tool picker)."""
    server = servers.get_server_for_user(current_user, server_id)
    rows = run_catalog(server, current_user, "databases", connect_timeout=current_app.config["CONNECT_TIMEOUT"],
                       statement_timeout_ms=current_app.config["CATALOG_STATEMENT_TIMEOUT_MS"])
    return jsonify(rows)


@bp.get(f"{BASE}/tree")
def tree_children(server_id: int) -> ResponseReturnValue:
    """Expand a tree node: send its ref (kind=server for the root); q, limit, offset and system page it."""
    target = request_target(server_id)
    ref = parse_ref(request.args)
    return jsonify(tree.expand(target, ref, tree.parse_listing(request.args)))


@bp.get(f"{BASE}/objects")
def object_properties(server_id: int) -> ResponseReturnValue:
    """Properties of one object (its catalog row)."""
    target = request_target(server_id)
    return jsonify(objects.properties(target, parse_ref(request.args, allow=OBJECT_KINDS)))


@bp.get(f"{BASE}/objects/sql")
def object_sql(server_id: int) -> ResponseReturnValue:
    """The SQL tab: the object's CREATE script rebuilt from the catalogs."""
    target = request_target(server_id)
    return jsonify(ddl.object_ddl(target, parse_ref(request.args, allow=OBJECT_KINDS)))


@bp.get(f"{BASE}/objects/stats")
def object_stats(server_id: int) -> ResponseReturnValue:
    """Statistics: sizes, row estimates, scans, vacuum and analyze times."""
    target = request_target(server_id)
    return jsonify(objects.statistics(target, parse_ref(request.args, allow=OBJECT_KINDS)))


@bp.get(f"{BASE}/objects/dependencies")
def object_dependencies(server_id: int) -> ResponseReturnValue:
    """What the object depends on, and what depends on it."""
    target = request_target(server_id)
    return jsonify(objects.dependencies(target, parse_ref(request.args, allow=OBJECT_KINDS)))


@bp.get(f"{BASE}/objects/drop-impact")
def object_drop_impact(server_id: int) -> ResponseReturnValue:
    """What DROP … CASCADE would take with it (found by running it in a rolled-back transaction)."""
    target = request_target(server_id)
    return jsonify(drop_impact(target, parse_ref(request.args, allow=OBJECT_KINDS)))


@bp.get(f"{BASE}/objects/options")
def object_options(server_id: int) -> ResponseReturnValue:
    """Choices and help for a create dialog: kind=database|role|schema|table|index (db= for the last three)."""
    target = request_target(server_id)
    kind = request.args.get("kind") or ""
    db = check_name(request.args.get("db"), "db", required=False) if request.args.get("db") else None
    return jsonify(options.dialog_options(target, Ref(kind, db=db)))
