"""The storage API and the file manager page; every path goes through storage.sandbox.

A root is chosen with `root` (query string, or JSON body for POST/PUT): "home" (the default) is the
caller's private area, any other value names a shared folder from SHARED_STORAGE.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wsgi import wrap_file

from pgadmin_lite.errors import BadRequest
from pgadmin_lite.extensions import csrf
from pgadmin_lite.storage import StorageSettings, files, uploads
from pgadmin_lite.storage.access import resolve_root
from pgadmin_lite.storage.roots import HOME, Root
from pgadmin_lite.users.permissions import blueprint_requires
from pgadmin_lite.web.body_limit import unbounded_body
from pgadmin_lite.web.csrf import check_referrer, header_token, validate_csrf
from pgadmin_lite.web.input import json_body, optional_bool

bp = Blueprint("storage", __name__)
blueprint_requires(bp, "storage.use")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
ATTR_CHARS = "!#$&+-.^_`|~"  # RFC 5987 attr-char besides letters and digits


def _settings() -> StorageSettings:
    return current_app.extensions["storage"]  # type: ignore[no-any-return]


def _query_flag(name: str) -> bool:
    return request.args.get(name, "").strip().lower() in TRUE_WORDS


def _body_root(body: dict[str, Any]) -> Root:
    name = body.get("root")
    if name is not None and not isinstance(name, str):
        raise BadRequest("root must be a string.")
    return resolve_root(name)


def content_disposition(name: str) -> str:
    """attachment with an ASCII fallback and the exact name as RFC 5987 filename* (any name is safe)."""
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\%;' else "_" for c in name) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe=ATTR_CHARS)}"


@bp.get("/storage")
def storage_page() -> ResponseReturnValue:
    return render_template("storage.html")


@bp.get("/api/v1/storage/roots")
def list_roots() -> ResponseReturnValue:
    settings = _settings()
    roots = [{"name": HOME, "label": "My files", "is_shared": False, "is_writable": True}]
    roots += [{"name": share.name, "label": share.name, "is_shared": True,
               "is_writable": current_user.is_admin or not share.read_only_for_users} for share in settings.shares]
    return jsonify(roots)


@bp.get("/api/v1/storage")
def list_dir() -> ResponseReturnValue:
    root = resolve_root(request.args.get("root"))
    return jsonify(files.list_dir(root, request.args.get("path", "/"), hidden=_query_flag("hidden")))


@bp.delete("/api/v1/storage")
def delete_entry() -> ResponseReturnValue:
    root = resolve_root(request.args.get("root"))
    files.delete(root, request.args.get("path", ""), recursive=_query_flag("recursive"))
    return "", 204


@bp.post("/api/v1/storage/mkdir")
def make_directory() -> ResponseReturnValue:
    body = json_body()
    return jsonify(files.make_directory(_body_root(body), body.get("path"))), 201


@bp.post("/api/v1/storage/rename")
def rename_entry() -> ResponseReturnValue:
    body = json_body()
    entry = files.rename(_body_root(body), body.get("path"), body.get("new_path"),
                         overwrite=bool(optional_bool(body, "overwrite")))
    return jsonify(entry)


@bp.get("/api/v1/storage/download")
def download() -> ResponseReturnValue:
    """Streamed from an already-open descriptor, always as an attachment of opaque bytes (never rendered)."""
    opened = files.open_file(resolve_root(request.args.get("root")), request.args.get("path", ""))
    response = Response(wrap_file(request.environ, opened.file), mimetype="application/octet-stream",
                        direct_passthrough=True)
    response.content_length = opened.size
    response.last_modified = opened.modified  # type: ignore[assignment]
    response.headers["Content-Disposition"] = content_disposition(opened.name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/api/v1/storage/usage")
def usage() -> ResponseReturnValue:
    settings = _settings()
    used, count = files.usage(resolve_root(HOME))
    return jsonify({"bytes": used, "files": count, "quota_bytes": settings.quota_bytes,
                    "max_upload_bytes": settings.max_upload_bytes})


@bp.get("/api/v1/storage/text")
def read_text() -> ResponseReturnValue:
    return jsonify(files.read_text(resolve_root(request.args.get("root")), request.args.get("path", "")))


@bp.put("/api/v1/storage/text")
def write_text() -> ResponseReturnValue:
    """Save from the editor: 201 when created, 200 when replaced (overwrite), 409 exists otherwise."""
    body = json_body()
    entry, created = files.write_text(_body_root(body), body.get("path"), body.get("text"),
                                      overwrite=bool(optional_bool(body, "overwrite")))
    return jsonify(entry), 201 if created else 200


def _check_csrf_header() -> None:
    """CSRF from the header, before the body is read (the default check would parse the whole form to look for it)."""
    validate_csrf(header_token())
    check_referrer()


@bp.post("/api/v1/storage/upload")
@csrf.exempt  # checked by _check_csrf_header first thing: the default check would buffer the body
@unbounded_body  # streamed into files; MAX_UPLOAD_SIZE and the quota are enforced while it arrives
def upload() -> ResponseReturnValue:
    """Stream the body straight into the target folder (see storage.uploads); all files or none."""
    _check_csrf_header()
    boundary = request.mimetype_params.get("boundary", "")
    if request.mimetype != "multipart/form-data" or not boundary:
        raise BadRequest("Upload with Content-Type multipart/form-data: a `path` field, then `file` parts.")
    defaults = {name: request.args[name] for name in ("path", "root", "overwrite") if name in request.args}
    result = uploads.receive_upload(request.stream, boundary.encode("utf-8"), resolve_root=resolve_root,
                                    fields=defaults, max_file_bytes=_settings().max_upload_bytes)
    return jsonify(result), 201
