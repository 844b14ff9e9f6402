"""A registration's TLS material: the root certificate and CRL everyone using the server shares (Server.tls_files)
and each user's own client certificate, key and sslpassword (the vault); picked from the user's file area or
uploaded as PEM text, and handed to libpq as private files at connect (connections/private_files.py)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import Any

from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.connections.private_files import PrivateText
from pgadmin_lite.errors import BadRequest
from pgadmin_lite.models import Server, ServerCredential
from pgadmin_lite.servers.secrets import read_secrets
from pgadmin_lite.servers.user_files import read_user_file
from pgadmin_lite.servers.vault import SavedPasswordUnreadable, Vault

SHARED_FILES = ("sslrootcert", "sslcrl")  # the server's, for everyone using it
CLIENT_FILES = ("sslcert", "sslkey")  # each user's own
CLIENT_NAMES = (*CLIENT_FILES, "sslpassword")
MAX_PEM_CHARS = 256 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PEM_KINDS = {"sslrootcert": ("CERTIFICATE",), "sslcert": ("CERTIFICATE",), "sslcrl": ("X509 CRL",),
              "sslkey": ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY")}
_WHAT = {"sslrootcert": "a root certificate", "sslcert": "a client certificate", "sslcrl": "a CRL",
         "sslkey": "a private key"}


def _check_pem(text: Any, name: str, label: str) -> str:
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_PEM_CHARS:
        raise BadRequest(f"{label} must be PEM text of at most {MAX_PEM_CHARS} characters.", field=label)
    if not any(f"-----BEGIN {kind}-----" in text for kind in _PEM_KINDS[name]):
        raise BadRequest(f"{label} is not {_WHAT[name]} in PEM form (-----BEGIN {_PEM_KINDS[name][0]}-----).",
                         field=label)
    return text


def _pem_source(user: Principal, value: Any, name: str, label: str) -> dict[str, str]:
    """{"path": a file in the user's area} or {"pem": text, "name"?}: the file's name and its PEM text."""
    is_one_source = isinstance(value, dict) and value.keys() <= {"path", "pem", "name"} and (
        ("path" in value) != ("pem" in value))
    if not is_one_source:
        raise BadRequest(f'{label} must be {{"path": a file in your file area}} or {{"pem": its text, "name"}}; '
                         "web-server paths are not accepted.", field=label)
    if "path" in value:
        text = read_user_file(user, value["path"])
        shown = posixpath.basename(str(value["path"]))
    else:
        text, shown = value["pem"], value.get("name") or f"{name}.pem"
        if not isinstance(shown, str) or len(shown) > 255 or "/" in shown or _CONTROL.search(shown):
            raise BadRequest(f"{label}.name must be a file name.", field=label)
    return {"name": shown, "pem": _check_pem(text, name, label)}


def _object(value: Any, label: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict) or not value.keys() <= set(allowed):
        raise BadRequest(f"{label} must be an object with {', '.join(allowed)} (null removes one).", field=label)
    return value


def clean_tls_files(user: Principal, value: Any, label: str = "tls_files") -> dict[str, dict[str, str] | None]:
    """Changes to the server's shared files: name -> {"name", "pem"} (None removes it)."""
    return {name: None if item is None else _pem_source(user, item, name, f"{label}.{name}")
            for name, item in _object(value, label, SHARED_FILES).items()}


def apply_tls_files(server: Server, changes: Mapping[str, dict[str, str] | None]) -> None:
    merged = {**(server.tls_files or {}), **changes}
    server.tls_files = {name: item for name, item in merged.items() if item is not None}


def clean_tls_client(user: Principal, value: Any, label: str = "tls_client") -> dict[str, str | None]:
    """Changes to the user's own secrets: sslcert and sslkey as PEM sources, sslpassword text (None erases)."""
    changes: dict[str, str | None] = {}
    for name, item in _object(value, label, CLIENT_NAMES).items():
        if item is None:
            changes[name] = None
        elif name == "sslpassword":
            if not isinstance(item, str) or not item or len(item) > 1024:
                raise BadRequest(f"{label}.sslpassword must be a non-empty string.", field=f"{label}.sslpassword")
            changes[name] = item
        else:
            changes[name] = _pem_source(user, item, name, f"{label}.{name}")["pem"]
    return changes


def tls_json(server: Server, user: Principal, cred: ServerCredential | None, vault: Vault | None = None
             ) -> dict[str, Any]:
    """For the API: the shared files' names and which of the user's client secrets are saved, never contents."""
    saved: dict[str, str] = {}
    if cred is not None and cred.secrets_enc:  # a list of servers decrypts only where there is something
        try:
            saved = read_secrets(server, user, vault)
        except SavedPasswordUnreadable:
            saved = {}
    return {"tls_files": {name: item["name"] for name, item in sorted((server.tls_files or {}).items())},
            "tls_client": [name for name in CLIENT_NAMES if name in saved]}


def tls_params(server: Server, user: Principal, vault: Vault | None = None) -> dict[str, Any]:
    """libpq parameters for the TLS material: file contents as PrivateText (written only while connecting)."""
    params: dict[str, Any] = {name: PrivateText(item["pem"]) for name, item in (server.tls_files or {}).items()
                              if name in SHARED_FILES}
    secrets = {**read_secrets(server, user, vault), **getattr(server, "draft_secrets", {})}  # a draft's picks
    params.update({name: PrivateText(secrets[name]) for name in CLIENT_FILES if secrets.get(name)})
    if secrets.get("sslpassword"):
        params["sslpassword"] = secrets["sslpassword"]
    return params
