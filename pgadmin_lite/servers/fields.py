"""Validation of a server registration's fields, shared by the API and the servers.json import."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pgadmin_lite.connections.execution import Modes
from pgadmin_lite.errors import BadRequest

SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
DEFAULTS: dict[str, Any] = {"group": "Servers", "port": 5432, "maintenance_db": "postgres", "sslmode": "prefer",
                            "connect_params": {}, "query_modes": {}, "comment": None, "role": None,
                            "db_restriction": [], "colors": {}, "read_only": False, "post_connection_sql": None,
                            "query_defaults": {}}
REQUIRED = ("name", "host", "username")
FILE_FIELDS = ("tls_files", "tls_client", "passfile")  # beside the columns: files for libpq (connect_files.py)
PG_NAME_BYTES = 63  # NAMEDATALEN - 1: longer role and database names cannot exist
_HOSTNAME = re.compile(r"[A-Za-z0-9._:%,-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tabs and line breaks are text
_HEX_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
COLOR_KEYS = ("bg", "fg")
MAX_DB_RESTRICTION = 1000

Check = Callable[[Any, str], Any]


def _fail(label: str, message: str) -> BadRequest:
    return BadRequest(f"{label} {message}", field=label)


def _text(max_chars: int) -> Check:
    def check(value: Any, label: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise _fail(label, "must be a non-empty string")
        if len(value) > max_chars or _CONTROL.search(value):
            raise _fail(label, f"must be at most {max_chars} characters without control characters")
        return value
    return check


def _pg_name(value: Any, label: str) -> str:
    value = _text(PG_NAME_BYTES)(value, label)
    if len(value.encode("utf-8")) > PG_NAME_BYTES:
        raise _fail(label, f"must be at most {PG_NAME_BYTES} bytes (PostgreSQL's name limit)")
    return value


def _int_range(low: int, high: int) -> Check:
    def check(value: Any, label: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _fail(label, f"must be an integer {low}-{high}")
        return value
    return check


def _choice(*choices: str) -> Check:
    def check(value: Any, label: str) -> str:
        if value not in choices:
            raise _fail(label, f"must be one of {', '.join(choices)}")
        return str(value)
    return check


def _host(value: Any, label: str) -> str:
    """A host name or IP address, or a Unix-socket directory (an absolute path)."""
    value = _text(1024)(value, label).strip()
    if not value.startswith("/") and (len(value) > 255 or not _HOSTNAME.fullmatch(value)):
        raise _fail(label, "must be a host name, an IP address, or a socket directory starting with /")
    return value


def _ip_list(value: Any, label: str) -> str:
    value = _text(1024)(value, label)
    try:
        for part in value.split(","):
            ipaddress.ip_address(part.strip())
    except ValueError:
        raise _fail(label, "must be an IP address (or a comma-separated list of them)") from None
    return value


_ONOFF = _int_range(0, 1)
_SECONDS = _int_range(0, 86400)
_PATH = _text(1024)
_TLS = _choice("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")

# libpq parameters a registration may set, and how each is checked (secrets and passfile are not here).
CONNECT_PARAMS: dict[str, Check] = {
    "connect_timeout": _SECONDS, "application_name": _text(63), "options": _text(1024),
    "sslrootcert": _PATH, "sslcert": _PATH, "sslkey": _PATH, "sslcrl": _PATH, "sslcrldir": _PATH,
    "sslcompression": _ONOFF, "sslsni": _ONOFF, "ssl_min_protocol_version": _TLS, "ssl_max_protocol_version": _TLS,
    "target_session_attrs": _choice("any", "read-write", "read-only", "primary", "standby", "prefer-standby"),
    "keepalives": _ONOFF, "keepalives_idle": _SECONDS, "keepalives_interval": _SECONDS,
    "keepalives_count": _int_range(0, 1000), "tcp_user_timeout": _int_range(0, 86_400_000),
    "hostaddr": _ip_list, "gssencmode": _choice("disable", "prefer", "require"),
    "channel_binding": _choice("disable", "prefer", "require"), "krbsrvname": _text(63), "requirepeer": _text(63),
}


def _object_of(value: Any, label: str, allowed: Iterable[str], what: str) -> dict[str, Any]:
    """A JSON object whose keys are all allowed (a clear 400 naming the others)."""
    if not isinstance(value, dict):
        raise _fail(label, "must be an object")
    allowed = tuple(allowed)
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise _fail(label, f"has unknown {what} {', '.join(unknown)}; allowed: {', '.join(allowed)}")
    return value


def clean_connect_params(value: Any, label: str = "connect_params") -> dict[str, Any]:
    """Only allow-listed libpq parameters, each of its type; null or "" values mean "not set"."""
    value = _object_of(value, label, CONNECT_PARAMS, "parameter(s)")
    return {name: CONNECT_PARAMS[name](item, f"{label}.{name}")
            for name, item in sorted(value.items()) if item is not None and item != ""}


QUERY_MODES = tuple(mode.name for mode in dataclasses.fields(Modes))  # a query-tool tab's transaction modes


def clean_query_modes(value: Any, label: str = "query_modes") -> dict[str, bool]:
    """The query tool's default modes on this server: known names, each true or false (null: the app's default)."""
    value = _object_of(value, label, QUERY_MODES, "mode(s)")
    for name, item in value.items():
        if item is not None and not isinstance(item, bool):
            raise _fail(f"{label}.{name}", "must be true, false or null")
    return {name: item for name, item in sorted(value.items()) if item is not None}


SSH_AUTH = ("password", "key")
# The tunnel's secrets a create or update accepts (servers/ssh.py); ssh_key_file names a file in the user's area.
SSH_SECRET_FIELDS = frozenset({"ssh_password", "ssh_key", "ssh_key_file", "ssh_passphrase"})
SSH_TUNNEL_KEYS = ("host", "port", "username", "auth", "keepalive_s")


def clean_ssh_tunnel(value: Any, label: str = "ssh_tunnel") -> dict[str, Any]:
    """A bastion to tunnel through ({} or null: none); port 22 and 30 s keep-alives unless given."""
    if value is None or value == {}:
        return {}
    value = _object_of(value, label, SSH_TUNNEL_KEYS, "key(s)")
    for name in ("host", "username", "auth"):
        if value.get(name) in (None, ""):
            raise _fail(f"{label}.{name}", "is required")
    host = _host(value["host"], f"{label}.host")
    if host.startswith("/") or "," in host:
        raise _fail(f"{label}.host", "must be one host name or IP address")
    return {"host": host, "port": _int_range(1, 65535)(value.get("port", 22), f"{label}.port"),
            "username": _text(255)(value["username"], f"{label}.username"),
            "auth": _choice(*SSH_AUTH)(value["auth"], f"{label}.auth"),
            "keepalive_s": _int_range(0, 3600)(value.get("keepalive_s", 30), f"{label}.keepalive_s")}


def _optional(check: Check) -> Check:
    """null or "" means "not set" (None)."""
    def optional(value: Any, label: str) -> Any:
        return None if value is None or value == "" else check(value, label)
    return optional


def _long_text(max_chars: int) -> Check:
    """Free text over several lines (a comment, SQL): tabs and line breaks allowed, other control characters not."""
    def check(value: Any, label: str) -> str:
        if not isinstance(value, str) or len(value) > max_chars or _CONTROL_IN_TEXT.search(value):
            raise _fail(label, f"must be text of at most {max_chars} characters without control characters")
        return value
    return check


def _flag(value: Any, label: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(label, "must be true or false")
    return value


def clean_db_restriction(value: Any, label: str = "db_restriction") -> list[str]:
    """The databases the tree shows (empty: all): database names, each once, in the order given."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_DB_RESTRICTION:
        raise _fail(label, f"must be a list of at most {MAX_DB_RESTRICTION} database names")
    return list(dict.fromkeys(_pg_name(name, f"{label}[{i}]") for i, name in enumerate(value)))


def clean_colors(value: Any, label: str = "colors") -> dict[str, str]:
    """The server's colours in the tree and its tabs: {"bg", "fg"}, each #rrggbb (null or "": the theme's)."""
    value = _object_of(value or {}, label, COLOR_KEYS, "colour(s)")
    for name, item in value.items():
        if item not in (None, "") and (not isinstance(item, str) or not _HEX_COLOR.fullmatch(item)):
            raise _fail(f"{label}.{name}", "must be a colour written #rrggbb")
    return {name: item.lower() for name, item in sorted(value.items()) if item not in (None, "")}


QUERY_DEFAULTS: dict[str, Check] = {"statement_timeout_ms": _int_range(0, 86_400_000),
                                    "preview_rows": _int_range(1, 1_000_000)}


def clean_query_defaults(value: Any, label: str = "query_defaults") -> dict[str, int]:
    """The query tool's defaults on this server: statement_timeout_ms (0: none) and preview_rows; null: not set."""
    value = _object_of(value or {}, label, QUERY_DEFAULTS, "default(s)")
    return {name: QUERY_DEFAULTS[name](item, f"{label}.{name}")
            for name, item in sorted(value.items()) if item is not None and item != ""}


FIELDS: dict[str, Check] = {
    "name": _text(128), "group": _text(128), "host": _host, "port": _int_range(1, 65535),
    "maintenance_db": _pg_name, "username": _pg_name, "sslmode": _choice(*SSLMODES),
    "connect_params": clean_connect_params, "query_modes": clean_query_modes,
    "ssh_tunnel": clean_ssh_tunnel,
    "comment": _optional(_long_text(10_000)), "role": _optional(_pg_name), "db_restriction": clean_db_restriction,
    "colors": clean_colors, "read_only": _flag, "post_connection_sql": _optional(_long_text(65_536)),
    "query_defaults": clean_query_defaults,
    "service": _optional(_text(255)),  # in the operator's pg_service.conf (then host is optional)
}


def clean_fields(data: Mapping[str, Any], *, is_new: bool, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Validate the registration fields present in data (all of them, with defaults, for a new server)."""
    labels = labels or {}
    values = {**DEFAULTS, **data} if is_new else dict(data)
    cleaned: dict[str, Any] = {}
    for name in REQUIRED if is_new else ():
        if name == "host" and values.get("service"):
            continue  # a service-only entry: the service names the host
        if values.get(name) in (None, ""):
            label = labels.get(name, name)
            raise BadRequest(f"{label} is required", field=label)
    for name, check in FIELDS.items():
        if name == "host" and values.get(name) in (None, "") and values.get("service"):
            cleaned[name] = None
        elif name in values:
            cleaned[name] = check(values[name], labels.get(name, name))
    for name in ("name", "group"):
        if name in cleaned:
            cleaned[name] = cleaned[name].strip()
    return cleaned
