"""Operating-system facts a cluster manager needs: which binaries, which OS user, which postmaster."""

from __future__ import annotations

import os
import pwd
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PG_BASE_DIR = Path("/usr/lib/postgresql")  # Debian/Ubuntu layout: <base>/<major>/bin
APT_HINT = "install the server with: apt-get install postgresql"


class DatabaseException(Exception):
    """A cluster cannot be created or started; the message says what to change."""


class WorkerError(Exception):
    """A started server does not answer: not ready in time, or a failed health check."""


@dataclass(frozen=True)
class Postmaster:
    """The running postmaster as it describes itself in ``<data_dir>/postmaster.pid``."""

    pid: int
    data_dir: str
    start_time: int
    port: int
    socket_dir: str
    listen_addresses: str
    status: str  # "starting", "ready", "stopping" or "standby"


def _version_key(name: str) -> tuple[int, ...] | None:
    """Numeric sort key of a version directory name, so that 9 < 9.6 < 15 < 16."""
    if not re.fullmatch(r"\d+(\.\d+)*", name):
        return None
    return tuple(int(part) for part in name.split("."))


def find_binaries(pg_version: str = "", base_dir: str | os.PathLike[str] = PG_BASE_DIR) -> tuple[str, Path]:
    """Pick ``(version, bin_dir)``: the argument, then $POSTGRES_VERSION, the newest under base_dir, PATH."""
    base = Path(base_dir)
    wanted = str(pg_version or os.environ.get("POSTGRES_VERSION", "")).strip()
    if wanted:
        bin_dir = base / wanted / "bin"
        if (bin_dir / "pg_ctl").is_file():
            return wanted, bin_dir
        source = "pg_version" if pg_version else "POSTGRES_VERSION"
        raise DatabaseException(
            f"PostgreSQL {wanted} (from {source}) is not installed: no {bin_dir / 'pg_ctl'}; "
            f"apt-get install postgresql-{wanted}, or choose an installed version"
        )
    entries = base.iterdir() if base.is_dir() else iter(())
    found = [(key, e.name) for e in entries if (key := _version_key(e.name)) and (e / "bin/pg_ctl").is_file()]
    if found:
        name = max(found)[1]
        return name, base / name / "bin"
    on_path = shutil.which("pg_ctl")
    if on_path:
        return "", Path(on_path).resolve().parent
    raise DatabaseException(f"no PostgreSQL server binaries: nothing under {base}, no pg_ctl on PATH; {APT_HINT}")


@dataclass(frozen=True)
class RunAs:
    """The OS identity of the server programs: ourselves, or an unprivileged user when we are root."""

    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]
    is_switching: bool

    @classmethod
    def resolve(cls, user: str) -> RunAs:
        """Root must hand over to ``user``; anyone else runs the server as themselves."""
        if os.geteuid() != 0:
            uid, gid, groups = os.geteuid(), os.getegid(), tuple(os.getgroups())
            return cls(os.environ.get("USER") or str(uid), uid, gid, groups, False)
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            raise DatabaseException(
                f"OS user {user!r} does not exist and PostgreSQL refuses to run as root; create it "
                f"(useradd --system --home /var/lib/postgresql {user}) or pass user=<another OS user>"
            ) from None
        if entry.pw_uid == 0:
            raise DatabaseException("PostgreSQL refuses to run as root; pass user=<an unprivileged OS user>")
        groups = tuple(os.getgrouplist(user, entry.pw_gid))
        return cls(user, entry.pw_uid, entry.pw_gid, groups, True)

    def subprocess_kwargs(self) -> dict[str, Any]:
        """Arguments that make subprocess drop to this user (uid, gid and supplementary groups)."""
        if not self.is_switching:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": list(self.groups)}

    def can(self, path: Path, want: int) -> bool:
        """Whether this user has ``want`` (os.R_OK | os.W_OK | os.X_OK bits) on ``path``."""
        if not self.is_switching:
            return os.access(path, want)
        st = path.stat()
        shift = 6 if st.st_uid == self.uid else 3 if st.st_gid in self.groups else 0
        return (st.st_mode >> shift) & want == want


def _is_alive(pid: int) -> bool:
    """True while ``pid`` runs; an unreaped zombie (orphans under a non-reaping init) counts as gone."""
    try:
        os.kill(pid, 0)
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except ProcessLookupError:
        return False
    except OSError:  # not ours to signal, or no /proc to tell a zombie: assume it runs
        return True


def _read_pid_file(path: Path) -> Postmaster | None:
    """Parse postmaster.pid; None when it is missing or still being written."""
    try:
        lines = path.read_text().splitlines() + [""] * 8
        return Postmaster(
            pid=int(lines[0]), data_dir=lines[1], start_time=int(lines[2] or 0), port=int(lines[3] or 0),
            socket_dir=lines[4], listen_addresses=lines[5], status=lines[7].strip(),
        )
    except (OSError, ValueError):
        return None
