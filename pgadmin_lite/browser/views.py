"""Object-browser HTTP API: the tree, each object's properties, SQL, statistics and dependencies.

Every call is about a server the user may use (404 otherwise) and runs on one of the user's short-lived
connections (reused while they browse). Objects are named by refs (see refs.py): query parameters here,
JSON fields in change_views.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.browser import ddl, objects, options, properties, search, tree
from pgadmin_lite.browser.catalog import run_catalog
from pgadmin_lite.browser.changes import drop_impact
from pgadmin_lite.browser.refs import KINDS, Ref, check_name, parse_ref
from pgadmin_lite.errors import BadRequest
from pgadmin_lite.servers import service as servers
from pgadmin_lite.servers.targets import SERVER_API, request_target
from pgadmin_lite.users.permissions import ANY_USER, blueprint_requires

bp = Blueprint("browser", __name__)
blueprint_requires(bp, ANY_USER)
OBJECT_KINDS = frozenset(KINDS)
PAGE_TABS = ("properties", "sql", "stats", "dependencies", "data")
DATA_MODES = ("first", "last", "all", "filter")


@bp.get("/servers/<int:server_id>/browser")
def browser_page(server_id: int) -> ResponseReturnValue:
    """The object-browser page (tree, object tabs, dialogs, view/edit data) for one server."""
    server = servers.get_server_for_user(current_user, server_id)
    return render_template("browser.html", server=server)


@bp.get("/servers/<int:server_id>/object")
def object_page(server_id: int) -> ResponseReturnValue:
    """One object's page (a workspace tab): ?<ref>&tab=properties|sql|stats|dependencies|data
    [&data=first|last|all|filter&filter=<condition>]; embed=1 leaves out the top bar."""
    server = servers.get_server_for_user(current_user, server_id)
    ref = parse_ref(request.args, allow=OBJECT_KINDS)
    tab = request.args.get("tab") or "properties"
    mode = request.args.get("data") or "first"
    if tab not in PAGE_TABS or mode not in DATA_MODES:
        raise BadRequest(f"tab must be one of {', '.join(PAGE_TABS)}; data one of {', '.join(DATA_MODES)}.")
    return render_template("object.html", server=server, ref=ref.to_json(), tab=tab, data_mode=mode,
                           data_filter=request.args.get("filter") or "")


@bp.get(f"{SERVER_API}/databases")
def databases(server_id: int) -> ResponseReturnValue:
    """Databases one can connect to (the query-tool picker)."""
    target = request_target(server_id)
    return jsonify(run_catalog(target, "databases", {"databases": tree.shown_databases(target)}))


@bp.get(f"{SERVER_API}/tree")
def tree_children(server_id: int) -> ResponseReturnValue:
    """Expand a tree node: send its ref (kind=server for the root); q, limit, offset and system page it."""
    target = request_target(server_id)
    ref = parse_ref(request.args)
    return jsonify(tree.expand(target, ref, tree.parse_listing(request.args)))


@bp.get(f"{SERVER_API}/search")
def search_objects(server_id: int) -> ResponseReturnValue:
    """Find objects of one database by name: db, q (a part of the name), limit (at most 200), system."""
    db, listing = search.parse_search(request.args)
    target = request_target(server_id)
    return jsonify(search.search(target, db, listing))


@bp.get(f"{SERVER_API}/objects")
def object_properties(server_id: int) -> ResponseReturnValue:
    """Properties of one object (its catalog row)."""
    target = request_target(server_id)
    return jsonify(objects.properties(target, parse_ref(request.args, allow=OBJECT_KINDS)))


@bp.get(f"{SERVER_API}/objects/properties")
def object_curated_properties(server_id: int) -> ResponseReturnValue:
    """Properties as a DBA reads them: tabs of named, humanised fields and tables, plus the alter dialog's values."""
    target = request_target(server_id)
    return jsonify(properties.curated(target, parse_ref(request.args, allow=OBJECT_KINDS)))


@bp.get(f"{SERVER_API}/objects/sql")
def object_sql(server_id: int) -> ResponseReturnValue:
    """The SQL tab: the object's CREATE script rebuilt from the catalogs."""
    target = request_target(server_id)
    return jsonify(ddl.object_ddl(target, parse_ref(request.args, allow=OBJECT_KINDS)))


@bp.get(f"{SERVER_API}/objects/stats")
def object_stats(server_id: int) -> ResponseReturnValue:
    """Statistics: sizes, row estimates, scans, vacuum and analyze times."""
    target = request_target(server_id)
    return jsonify(objects.statistics(target, parse_ref(request.args, allow=OBJECT_KINDS)))


@bp.get(f"{SERVER_API}/objects/dependencies")
def object_dependencies(server_id: int) -> ResponseReturnValue:
    """What the object depends on, and what depends on it."""
    target = request_target(server_id)
    return jsonify(objects.dependencies(target, parse_ref(request.args, allow=OBJECT_KINDS)))


@bp.get(f"{SERVER_API}/objects/drop-impact")
def object_drop_impact(server_id: int) -> ResponseReturnValue:
    """What DROP … CASCADE would take with it (found by running it in a rolled-back transaction)."""
    target = request_target(server_id)
    return jsonify(drop_impact(target, parse_ref(request.args, allow=OBJECT_KINDS)))


@bp.get(f"{SERVER_API}/objects/options")
def object_options(server_id: int) -> ResponseReturnValue:
    """Choices and help for a create dialog: kind=database|role|schema|table|index (db= for the last three)."""
    target = request_target(server_id)
    kind = request.args.get("kind") or ""
    db = check_name(request.args.get("db"), "db", required=False) if request.args.get("db") else None
    return jsonify(options.dialog_options(target, Ref(kind, db=db)))
