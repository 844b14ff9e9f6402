"""Query-tool HTTP API and page: parse, call the connection manager, render."""

from __future__ import annotations

from contextlib import closing
from dataclasses import replace
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from psycopg import sql

from pgadmin_lite.auth.identity import current_login_id
from pgadmin_lite.connections import opening
from pgadmin_lite.connections.encoding import build_adapters
from pgadmin_lite.connections.execution import Modes
from pgadmin_lite.connections.export_formats import FORMATS
from pgadmin_lite.connections.export_names import content_disposition
from pgadmin_lite.connections.manager import ConnectionManager
from pgadmin_lite.connections.session import QuerySession
from pgadmin_lite.errors import BadRequest, NotFound, ServerAccessLost
from pgadmin_lite.preferences import service as preferences
from pgadmin_lite.preferences import shortcuts
from pgadmin_lite.query_tool import catalog, editing, editor_text, history
from pgadmin_lite.query_tool.explain import explain_run
from pgadmin_lite.servers import service as servers
from pgadmin_lite.servers import targets
from pgadmin_lite.servers.fields import QUERY_MODES
from pgadmin_lite.storage import files, sandbox
from pgadmin_lite.storage.access import resolve_root
from pgadmin_lite.users.permissions import blueprint_requires, requires
from pgadmin_lite.web.input import check_name, json_body, optional_bool

bp = Blueprint("query_tool", __name__)
blueprint_requires(bp, "query_tool.use")
API = "/api/v1/query-tool"
ADAPTERS = build_adapters()
MAX_SEARCH_PATH = 32
# The tab's loaders keep arrays as PostgreSQL's text: the schemas come as JSON (a name may hold a comma or a brace).
SEARCH_PATH_SQL = ("SELECT pg_catalog.current_setting('search_path'),"
                   " pg_catalog.to_json(pg_catalog.current_schemas(false))")


def manager() -> ConnectionManager:
    return current_app.extensions["connection_manager"]


def session_for(tx_id: str) -> QuerySession:
    return manager().get(tx_id, current_user.id)


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    """Results are plain JSON values already (encoding.py); orjson writes a 1,000-row page 14x faster than json."""
    return current_app.response_class(orjson.dumps(body, default=str), status=status, mimetype="application/json")


def wait_seconds(raw: Any) -> float:
    """wait_ms from the client, bounded so no request outlives a proxy timeout."""
    cfg = current_app.config
    if raw is None or raw == "":
        return cfg["QUERY_WAIT_MS"] / 1000
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise BadRequest("wait_ms must be an integer number of milliseconds.") from None
    return max(0, min(value, cfg["QUERY_MAX_WAIT_MS"])) / 1000


def result_response(session: QuerySession, result: dict[str, Any] | None) -> Response:
    if result is None:
        return json_response({"state": "running", "tx_id": session.tx_id, "started_at": session.started_at}, 202)
    return page_response(session, {**result, "tx_id": session.tx_id, "rows_delivered": session.rows_delivered,
                                   "holds": session.holds})


def page_response(session: QuerySession, body: dict[str, Any]) -> Response:
    """Rows for the client; PostgreSQL produces the next page while these are encoded and sent."""
    if body.get("has_more"):
        session.read_ahead()
    return json_response(body)


def _connect(kwargs: dict[str, Any], search_path: list[str] | None = None,
             statement_timeout_ms: int | None = None) -> Any:
    """A query-tool connection: autocommit (the user's BEGIN starts a transaction), our loaders, no prepares;
    the server's default statement_timeout for the query tool, and the tab's schema."""
    conn = opening.connect(kwargs, autocommit=True, prepare_threshold=None, context=ADAPTERS)
    try:
        if statement_timeout_ms is not None:
            conn.execute(sql.SQL("SET statement_timeout = {}").format(sql.Literal(statement_timeout_ms)))
        if search_path:
            opening.set_search_path(conn, search_path)
    except Exception:
        conn.close()
        raise
    return conn


def search_path_from(body: dict[str, Any]) -> list[str] | None:
    """The optional search_path of a new tab: a list of 1 to 32 schema names (identifiers as typed)."""
    value = body.get("search_path")
    if value is None:
        return None
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_SEARCH_PATH:
        raise BadRequest(f"search_path must be a list of 1 to {MAX_SEARCH_PATH} schema names.", field="search_path")
    return [str(check_name(name, "search_path")) for name in value]


@bp.get("/query-tool")
def page() -> ResponseReturnValue:
    keys = preferences.load(current_user.id)["shortcuts"]
    return render_template("query_tool.html", shortcuts=shortcuts.table(keys))


@bp.post(API)
def open_tool() -> ResponseReturnValue:
    body = json_body()
    server_id, database = body.get("server_id"), body.get("database")
    if not isinstance(server_id, int) or isinstance(server_id, bool):
        raise BadRequest("server_id must be an integer.")
    if database is not None and (not isinstance(database, str) or not database.strip()):
        raise BadRequest("database must be a non-empty string.")
    password = body.get("password")
    if password is not None and not isinstance(password, str):
        raise BadRequest("password must be a string.")
    search_path = search_path_from(body)
    server = servers.get_server_for_user(current_user, server_id)
    chosen = preferences.load(current_user.id)
    modes = modes_from(body, preferred_modes(server_modes(server.query_modes or {}), chosen["default_modes"]))
    kwargs = targets.connect_params(server, current_user, password=password, dbname=database,
                                    connect_timeout=current_app.config["CONNECT_TIMEOUT"])
    server_id, name, defaults = server.id, server.name, dict(server.query_defaults or {})
    timeout_ms = defaults.get("statement_timeout_ms")
    session = manager().open_session(current_user.id, server_id, kwargs["dbname"],
                                     lambda: _connect(kwargs, search_path, timeout_ms), login_id=current_login_id(),
                                     client=request.user_agent.string[:300], params=kwargs,
                                     is_read_only=bool(server.read_only))
    if not servers.is_still_usable(current_user, server_id):  # lost while connecting: its signal saw no tab yet
        reason = f"The server {name!r} was unshared or deleted while the query tool opened; it was not opened."
        manager().close(session.tx_id, current_user.id, reason)
        raise ServerAccessLost(reason, hint="Ask the server's owner to share it again, or register it yourself.")
    session.set_modes(modes)
    session.sizes = replace(session.sizes, preview_rows=preferences.preview_rows(
        chosen, current_app.config["RESULT_PREVIEW_ROWS"], defaults.get("preview_rows")))
    info = session.describe()
    info.update(preview_rows=session.sizes.preview_rows,
                server_name=name, server_version=session.conn.info.parameter_status("server_version"),
                user=session.conn.info.user)
    return json_response(info, 201)


def modes_from(body: dict[str, Any], base: Modes) -> Modes:
    """The tab's transaction modes: those the body names (true/false), the others as they were."""
    given = {name: optional_bool(body, name) for name in QUERY_MODES}
    return replace(base, **{name: value for name, value in given.items() if value is not None})


def preferred_modes(base: Modes, chosen: dict[str, bool | None]) -> Modes:
    """The user's default modes (Preferences) where set: they win over the server's and the app's."""
    return replace(base, **{name: value for name, value in chosen.items() if value is not None})


def server_modes(defaults: dict[str, bool]) -> Modes:
    """A new tab's modes: the server's own defaults (query_modes), else the app's QUERY_* settings."""
    cfg = current_app.config
    return Modes(autocommit=defaults.get("autocommit", cfg["QUERY_AUTOCOMMIT"]),
                 auto_rollback=defaults.get("auto_rollback", cfg["QUERY_AUTO_ROLLBACK"]),
                 single_transaction=defaults.get("single_transaction", cfg["QUERY_SINGLE_TRANSACTION"]))


@bp.patch(f"{API}/<tx_id>")
def set_modes(tx_id: str) -> ResponseReturnValue:
    """Change the tab's transaction modes (psql's AUTOCOMMIT, ON_ERROR_ROLLBACK, --single-transaction)."""
    body = json_body()
    session = session_for(tx_id)
    session.set_modes(modes_from(body, session.modes))
    return json_response(session.describe())


@bp.get(f"{API}/<tx_id>")
def describe(tx_id: str) -> ResponseReturnValue:
    session = session_for(tx_id)
    server = servers.get_server_for_user(current_user, session.server_id)
    return json_response({**session.describe(), "server_name": server.name,
                          "has_result": session.last_result is not None})


@bp.post(f"{API}/<tx_id>/execute")
def execute(tx_id: str) -> ResponseReturnValue:
    """Run a script; with `explain` ({"analyze": true, …}) the one statement typed is explained (FORMAT JSON)."""
    body = json_body()
    wait_s = wait_seconds(body.get("wait_ms"))  # every input is checked before the statement starts
    sql, note = body.get("sql"), None
    if body.get("explain") is not None:
        sql, note = explain_run(sql, body["explain"])
    session = session_for(tx_id)
    session.start(sql, note)
    return result_response(session, session.wait(wait_s))


@bp.get(f"{API}/<tx_id>/result")
def result(tx_id: str) -> ResponseReturnValue:
    session = session_for(tx_id)
    if not session.is_running and session.last_result is None:
        raise NotFound("Nothing has run in this query tool yet.", hint="POST …/execute first.")
    return result_response(session, session.wait(wait_seconds(request.args.get("wait_ms"))))


@bp.post(f"{API}/<tx_id>/fetch")
def fetch(tx_id: str) -> ResponseReturnValue:
    body = json_body()
    limit = body.get("limit", current_app.config["RESULT_PAGE_SIZE"])
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 100_000:
        raise BadRequest("limit must be an integer from 1 to 100000.")
    session = session_for(tx_id)
    return page_response(session, session.fetch(limit))


@bp.get(f"{API}/<tx_id>/catalog")
def catalog_snapshot(tx_id: str) -> ResponseReturnValue:
    """What the tab's completion needs from its database; 304 when If-None-Match holds the current ETag."""
    session = session_for(tx_id)
    path = None
    row = session.read_when_idle(SEARCH_PATH_SQL, [])
    if row is not None:
        path = catalog.SearchPath(row[0], orjson.loads(row[1]), "session")
    target = targets.request_target(session.server_id)
    with targets.connect(target, session.database, password=session.params.get("password")) as conn:
        etag, path = catalog.fingerprint(conn, path)
        response = Response(status=304) if request.if_none_match.contains(etag) else None
        if response is None:
            response = current_app.response_class(catalog.snapshot(conn, path), mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _editability(session: QuerySession, record: dict[str, Any]) -> editing.Editability:
    """Which table and key the result edits, read on a short-lived connection beside the tab's (editing.py)."""
    target = targets.request_target(session.server_id)
    with targets.connect(target, session.database, password=session.params.get("password")) as conn:
        return editing.detect(conn, record)


@bp.get(f"{API}/<tx_id>/editable")
def editable(tx_id: str) -> ResponseReturnValue:
    """Whether the row set of ?statement= in the last result (?run=) can be edited, and how."""
    session = session_for(tx_id)
    try:
        run, statement = int(request.args.get("run", "")), int(request.args.get("statement", ""))
    except ValueError:
        raise BadRequest("run and statement must be integers.") from None
    record = editing.record_of(session.last_result, run, statement)
    return json_response(_editability(session, record).to_json())


@bp.post(f"{API}/<tx_id>/changes")
def apply_changes(tx_id: str) -> ResponseReturnValue:
    """Preview, or apply, edits of an editable result: in the tab's open transaction (a savepoint guards it),
    else in one transaction of their own; every UPDATE and DELETE must touch exactly one row, or none applies."""
    body = json_body()
    changes = editing.changes_of(body)
    preview = bool(optional_bool(body, "preview"))
    session = session_for(tx_id)
    record = editing.record_of(session.last_result, body.get("run"), body.get("statement"))
    table = _editability(session, record).row_table()
    deadline_s = current_app.config["CHANGE_STATEMENT_TIMEOUT_MS"] / 1000
    return json_response(editing.run(session, table, changes, preview=preview, deadline_s=deadline_s))


@bp.post(f"{API}/<tx_id>/cancel")
def cancel(tx_id: str) -> ResponseReturnValue:
    return jsonify({"cancelled": session_for(tx_id).cancel()})


@bp.post(f"{API}/<tx_id>/reconnect")
def reconnect(tx_id: str) -> ResponseReturnValue:
    session = session_for(tx_id)
    session.reconnect()
    return json_response(session.describe())


@bp.delete(f"{API}/<tx_id>")
def close(tx_id: str) -> ResponseReturnValue:
    manager().close(tx_id, current_user.id)
    return "", 204


@bp.post(f"{API}/<tx_id>/lease")
def renew_lease(tx_id: str) -> ResponseReturnValue:
    """The open page keeps its connection (every third of QUERY_TOOL_LEASE_SECONDS); not activity (idle timeout)."""
    return json_response({"lease": manager().renew(tx_id, current_user.id).lease.to_dict()})


@bp.post(f"{API}/<tx_id>/release")
def release(tx_id: str) -> ResponseReturnValue:
    """The page's goodbye, sent as a beacon (which has no headers: the CSRF token is the form field csrf_token).

    The session closes after QUERY_TOOL_CLOSE_GRACE_SECONDS unless the page comes back (a reload); one holding an
    open transaction is kept until MAX_SESSION_IDLE_TIME.
    """
    manager().release(tx_id, current_user.id)
    return "", 204


def export_format(raw: Any) -> str:
    """The export's format (csv when not given), checked before anything else happens."""
    if raw is None or raw == "":
        return "csv"
    if not isinstance(raw, str) or raw.lower() not in FORMATS:
        raise BadRequest(f"format must be one of: {', '.join(FORMATS)}.", field="format")
    return raw.lower()


@bp.post(f"{API}/<tx_id>/export")
@bp.post(f"{API}/<tx_id>/export.csv")
def export_download(tx_id: str) -> ResponseReturnValue:
    """The last result as a download in ?format= (or the form field format): csv, tsv, json, ndjson, sql, xlsx."""
    format_name = export_format(request.values.get("format"))
    session = session_for(tx_id)
    name = session.export_name(format_name)
    stream = session.export(format_name)
    headers = {"Content-Disposition": content_disposition(name), "X-Accel-Buffering": "no",
               "Cache-Control": "no-store"}
    if stream.rows_let_go:  # a statement that wrote is never run again: only the rows still held are written
        headers["X-Rows-Let-Go"] = "true"
    return Response(stream, content_type=FORMATS[format_name].content_type, headers=headers)


@bp.get(f"{API}/<tx_id>/export-name")
def export_name(tx_id: str) -> ResponseReturnValue:
    """The file name an export in ?format= suggests (the result's one table, else the query's first words)."""
    format_name = export_format(request.args.get("format"))
    return json_response({"name": session_for(tx_id).export_name(format_name), "format": format_name})


@bp.post(f"{API}/<tx_id>/export-to-storage")
@requires("storage.use")
def export_to_storage(tx_id: str) -> ResponseReturnValue:
    """Export the last result into the caller's storage in `format`, streamed into an atomic write."""
    body = json_body()
    format_name = export_format(body.get("format"))
    root_name, path = body.get("root"), body.get("path")
    if root_name is not None and not isinstance(root_name, str):
        raise BadRequest("root must be a string.")
    overwrite = bool(optional_bool(body, "overwrite"))
    sandbox.split_parent(path)  # a bad path is refused before the session is touched
    session = session_for(tx_id)
    root = resolve_root(root_name)
    with closing(session.export(format_name)) as stream:
        entry, created = files.write_stream(root, path, stream, overwrite=overwrite)
    return json_response({**entry, "rows": stream.rows, "rows_let_go": stream.rows_let_go, "replaced": not created,
                          "format": format_name}, 201)


@bp.get("/api/v1/query-history")
def history_list() -> ResponseReturnValue:
    """The user's history, newest first: ?q= (text), server_id=, database=, status= (ok|error|cancelled|lost)."""
    args = request.args
    try:
        limit = min(max(int(args.get("limit", 100)), 1), 1000)
        server_id = int(args["server_id"]) if args.get("server_id") else None
    except ValueError:
        raise BadRequest("limit and server_id must be integers.") from None
    status = args.get("status") or None
    if status is not None and status not in history.STATUSES:
        raise BadRequest(f"status must be one of: {', '.join(history.STATUSES)}.")
    filters = history.Filters(args.get("q", ""), server_id, args.get("database") or None, status)
    current_app.extensions["history_writer"].flush()  # include runs that finished a moment ago
    entries = history.search(current_user.id, filters, limit, keep=current_app.config["QUERY_HISTORY_MAX"])
    return jsonify([entry.to_dict() for entry in entries])


@bp.delete("/api/v1/query-history")
def history_clear() -> ResponseReturnValue:
    current_app.extensions["history_writer"].flush()
    history.clear(current_user.id)
    return "", 204


@bp.post(f"{API}/statement-at")
def statement_at() -> ResponseReturnValue:
    """{sql, cursor} → {from, to} of the statement under the cursor, as psql splits the script (UTF-16 offsets)."""
    body = json_body()
    text, cursor = editor_text.check_text(body), body.get("cursor")
    if isinstance(cursor, bool) or not isinstance(cursor, int) or not 0 <= cursor <= len(text) * 2:
        raise BadRequest("cursor must be an offset into sql (an integer from 0).", field="cursor")
    span = editor_text.statement_at(text, cursor) or (None, None)  # nothing but white space and comments
    return jsonify({"from": span[0], "to": span[1]})


@bp.post(f"{API}/format")
def format_sql() -> ResponseReturnValue:
    """{sql} → {sql} pretty-printed by PostgreSQL's parser (pglast), comments kept; a syntax error is a 400."""
    return jsonify({"sql": editor_text.format_sql(editor_text.check_text(json_body()))})
