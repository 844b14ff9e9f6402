"""The session store reads a row again after any commit to its file, from this process or another."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from pgadmin_lite.auth.identity import Identity
from pgadmin_lite.auth.session_store import SessionStore


def _store(tmp_path: Path) -> tuple[SessionStore, str]:
    store = SessionStore(str(tmp_path / "sessions.db"), 5.0)
    store.put_identity(Identity(7, "a@example.com", False, False))
    return store, store.create(7, {"_user_id": "7"}, 3600)


def test_a_delete_by_another_process_ends_a_remembered_session(tmp_path: Path) -> None:
    store, token = _store(tmp_path)
    assert store.load(token) is not None and store.load(token) is not None  # the second from memory
    code = (f"import sqlite3; sqlite3.connect({str(tmp_path / 'sessions.db')!r}, isolation_level=None)"
            ".execute('DELETE FROM sessions')")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert store.load(token) is None


def test_a_change_by_another_connection_is_read_at_once(tmp_path: Path) -> None:
    store, token = _store(tmp_path)
    assert store.load(token).identity.is_admin is False  # type: ignore[union-attr]
    with sqlite3.connect(tmp_path / "sessions.db") as other:
        other.execute("UPDATE identities SET is_admin = 1 WHERE user_id = 7")
    assert store.load(token).identity.is_admin is True  # type: ignore[union-attr]


def test_this_process_revocations_are_seen_at_once(tmp_path: Path) -> None:
    store, token = _store(tmp_path)
    other = store.create(7, {"_user_id": "7"}, 3600)
    assert store.load(token) is not None and store.load(other) is not None
    store.delete_other_sessions(7, token)
    assert store.load(other) is None and store.load(token) is not None
    store.delete_user(7)
    assert store.load(token) is None


def test_each_load_parses_its_own_copy_of_the_data(tmp_path: Path) -> None:
    """A request that changes its session (flash messages append to a list in place) changes no later one's."""
    store, token = _store(tmp_path)
    first = store.load(token)
    assert first is not None
    first.data["_flashes"] = ["x"]
    assert "_flashes" not in store.load(token).data  # type: ignore[union-attr]
