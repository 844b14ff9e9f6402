"""A user's .pgpass-format file from their own file area: checked and read as libpq would, and only the entry
for the server being connected to is used (its password is handed to libpq; the file itself never is)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.errors import BadRequest
from pgadmin_lite.storage import sandbox
from pgadmin_lite.storage.access import resolve_root
from pgadmin_lite.storage.files import decode_text, open_file
from pgadmin_lite.users.permissions import require_permission_of

MAX_BYTES = 64 * 1024
DEFAULT_HOST = "localhost"  # libpq matches a socket (or empty) host as localhost
DEFAULT_PORT = "5432"


@dataclass(frozen=True)
class Field:
    """One of host, port, database, user: a value, or the wildcard (an unescaped * alone)."""

    value: str
    is_any: bool = False

    def matches(self, text: str) -> bool:
        return self.is_any or self.value == text


@dataclass(frozen=True)
class Entry:
    host: Field
    port: Field
    database: Field
    user: Field
    password: str


def _split(line: str) -> list[tuple[str, bool]]:
    """The first four fields of a line and the rest (the password), unescaped, each with "was a bare *"."""
    fields: list[tuple[str, bool]] = []
    current: list[str] = []
    raw: list[str] = []
    chars = iter(line)
    for char in chars:
        if char == ":":
            fields.append(("".join(current), "".join(raw) == "*"))
            if len(fields) == 5:
                return fields  # libpq ends the password at an unescaped colon
            current, raw = [], []
            continue
        raw.append(char)
        if char == "\\":
            char = next(chars, "\\")  # a trailing backslash stays one
            raw.append(char)
        current.append(char)
    fields.append(("".join(current), False))
    return fields


def parse(text: str) -> list[Entry]:
    """The entries of a .pgpass text: hostname:port:database:username:password; # lines, blank and short ones
    skipped; \\: and \\\\ are a colon and a backslash; * alone matches anything."""
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = _split(line)
        if len(parts) < 5:
            continue
        keys = [Field(value, is_any) for value, is_any in parts[:4]]
        entries.append(Entry(*keys, password=parts[4][0]))
    return entries


def find_password(entries: Iterable[Entry], host: str, port: Any, database: str, user: str) -> str | None:
    """The password of the first entry matching the connection, as libpq picks it (None: no entry matches)."""
    if not host or host.startswith("/") or host.startswith("@"):
        host = DEFAULT_HOST
    port_text = str(port or DEFAULT_PORT)
    for entry in entries:
        if (entry.host.matches(host) and entry.port.matches(port_text) and entry.database.matches(database)
                and entry.user.matches(user)):
            return entry.password
    return None


def read_passfile(user: Principal, path: object) -> list[Entry]:
    """The entries of a file in the user's area; refused (as libpq ignores it) when group or others may read it."""
    require_permission_of(user, "storage.use")
    root = resolve_root(None, user_id=user.id, is_admin=user.is_admin)
    shown = sandbox.virtual(sandbox.split_path(path))
    opened = open_file(root, path)
    with opened.file:
        mode = stat.S_IMODE(os.fstat(opened.file.fileno()).st_mode)
        if mode & 0o077:
            raise BadRequest(f"The password file {shown} has mode {mode:04o}: group or others may read it, so "
                             "libpq would ignore it.", field="passfile",
                             hint="Make it private (mode 0600), for example by uploading it again.")
        data = opened.file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise BadRequest(f"The password file {shown} is larger than {MAX_BYTES} bytes.", field="passfile")
    return parse(decode_text(data, shown))


def password_for(user: Principal, path: object, params: Mapping[str, Any]) -> str | None:
    """The password the user's passfile holds for params' host (each of a host list in turn), port, db and user."""
    entries = read_passfile(user, path)
    for host in str(params.get("host") or "").split(","):
        found = find_password(entries, host.strip(), params.get("port"), str(params.get("dbname") or ""),
                              str(params.get("user") or ""))
        if found is not None:
            return found
    return None
