"""pgAdmin's servers.json keys beyond the API's fields (SSH tunnel, colours, role, service, …) as our columns.

The shapes are checked here until the server dialog's own validation (servers/fields.py) covers these columns;
then these checks should call it instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pgadmin_lite.errors import BadRequest
from pgadmin_lite.servers.fields import FIELDS, clean_db_restriction, clean_query_defaults, clean_query_modes

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tabs and newlines are fine in prose and SQL
_COLOR = re.compile(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})")
_SERVICE = re.compile(r"[A-Za-z0-9._-]{1,255}")
_HOST_KEY = re.compile(r"[a-z0-9@.-]{3,64} [A-Za-z0-9+/]+={0,2}")
MAX_TEXT = 65_536
EXTENSION = "PgadminLite"  # our own key: what pgAdmin's format has no name for (pgAdmin ignores it)


def _fail(label: str, message: str) -> BadRequest:
    return BadRequest(f"{label} {message}", field=label)


def is_neutral(value: Any) -> bool:
    """A value that means "off" or "none": dropping a key holding it loses nothing."""
    return value is None or value is False or value in ("", 0, [], {})


def as_flag(value: Any, label: str) -> bool:
    """pgAdmin writes switches as true/false or 0/1."""
    if isinstance(value, bool) or value in (0, 1):
        return bool(value)
    raise _fail(label, "must be true, false, 0 or 1")


def as_int(value: Any, label: str, low: int, high: int) -> int:
    """An integer in range; pgAdmin itself writes some (TunnelPort) as strings of digits."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(label, f"must be an integer {low}-{high}")
    return value


def optional_text(value: Any, label: str, max_chars: int = MAX_TEXT) -> str | None:
    """Free text (a comment, SQL); empty means none."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > max_chars or _CONTROL.search(value):
        raise _fail(label, f"must be text of at most {max_chars} characters without control characters")
    return value


def pg_name(value: Any, label: str) -> str | None:
    """A role or database name (empty: none)."""
    if value is None or value == "":
        return None
    checked: str = FIELDS["username"](value, label)
    return checked


def service_name(value: Any, label: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _SERVICE.fullmatch(value):
        raise _fail(label, "must be a service name (letters, digits, . _ -)")
    return value


def databases(value: Any, label: str) -> list[str]:
    """pgAdmin keeps the list as one string, comma- (its dialog) or space-separated (its documentation)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [part for part in re.split(r"[,\s]+", value) if part]
    return clean_db_restriction(value, label)


def colors(entry: Mapping[str, Any]) -> dict[str, str]:
    """BGColor / FGColor as {"bg", "fg"} ("#rrggbb")."""
    result = {}
    for key, name in (("BGColor", "bg"), ("FGColor", "fg")):
        value = entry.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or not _COLOR.fullmatch(value):
            raise _fail(key, "must be a colour such as #ff9900")
        short = len(value) == 4  # #f90 as the dialog's #ff9900
        result[name] = ("#" + "".join(c * 2 for c in value[1:]) if short else value).lower()
    return result


def _bastion(value: Any) -> str:
    host: str = FIELDS["host"](value, "TunnelHost")
    if host.startswith("/"):
        raise _fail("TunnelHost", "must be a host name or an IP address")
    return host


TUNNEL_KEYS = ("TunnelHost", "TunnelPort", "TunnelUsername", "TunnelAuthentication", "TunnelIdentityFile",
               "TunnelKeepAlive", "TunnelPromptPassword")


def ssh_tunnel(entry: Mapping[str, Any]) -> dict[str, Any]:
    """UseSSHTunnel and the Tunnel* keys as the ssh_tunnel column ({} when the tunnel is off)."""
    if not as_flag(entry.get("UseSSHTunnel", 0), "UseSSHTunnel"):
        return {}
    if entry.get("TunnelHost") in (None, ""):
        raise _fail("TunnelHost", "is required when UseSSHTunnel is 1")
    tunnel: dict[str, Any] = {
        "host": _bastion(entry["TunnelHost"]),
        "port": as_int(entry.get("TunnelPort", 22), "TunnelPort", 1, 65535),
        "username": FIELDS["name"](entry.get("TunnelUsername"), "TunnelUsername"),
        "auth": "key" if as_flag(entry.get("TunnelAuthentication", 0), "TunnelAuthentication") else "password",
    }
    keepalive = as_int(entry.get("TunnelKeepAlive", 0), "TunnelKeepAlive", 0, 86400)
    if keepalive:
        tunnel["keepalive_s"] = keepalive
    as_flag(entry.get("TunnelPromptPassword", 0), "TunnelPromptPassword")
    return tunnel


def tunnel_keys(tunnel: Mapping[str, Any]) -> dict[str, Any]:
    """The ssh_tunnel column as pgAdmin's keys."""
    if not tunnel:
        return {}
    keys = {"UseSSHTunnel": 1, "TunnelHost": tunnel.get("host"), "TunnelPort": tunnel.get("port", 22),
            "TunnelUsername": tunnel.get("username"),
            "TunnelAuthentication": 1 if tunnel.get("auth") == "key" else 0}
    if tunnel.get("keepalive_s"):
        keys["TunnelKeepAlive"] = tunnel["keepalive_s"]
    return keys


def extension(value: Any) -> dict[str, Any]:
    """Our own block: the read-only rail, query-tool modes and defaults, the bastion's trusted host key."""
    if value is None:
        return {}
    label = EXTENSION
    allowed = ("read_only", "query_modes", "query_defaults", "ssh_host_key")
    if not isinstance(value, dict) or set(value) - set(allowed):
        raise _fail(label, f"must be an object with only {', '.join(allowed)}")
    columns: dict[str, Any] = {}
    if "read_only" in value:
        if not isinstance(value["read_only"], bool):
            raise _fail(f"{label}.read_only", "must be true or false")
        columns["read_only"] = value["read_only"]
    if "query_modes" in value:
        columns["query_modes"] = clean_query_modes(value["query_modes"], f"{label}.query_modes")
    if "query_defaults" in value:
        columns["query_defaults"] = clean_query_defaults(value["query_defaults"], f"{label}.query_defaults")
    if value.get("ssh_host_key") is not None:
        if not isinstance(value["ssh_host_key"], str) or not _HOST_KEY.fullmatch(value["ssh_host_key"]):
            raise _fail(f"{label}.ssh_host_key", 'must be "<key type> <base64>"')
        columns["ssh_host_key"] = value["ssh_host_key"]
    return columns


def extension_of(server: Any) -> dict[str, Any]:
    """The extension block of a server (only what differs from the defaults)."""
    block: dict[str, Any] = {}
    if server.read_only:
        block["read_only"] = True
    for name in ("query_modes", "query_defaults"):
        if getattr(server, name):
            block[name] = dict(getattr(server, name))
    if server.ssh_tunnel and server.ssh_host_key:
        block["ssh_host_key"] = server.ssh_host_key
    return block
