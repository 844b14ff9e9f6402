"""Query history written in batches by one background thread, so a statement never waits on the config DB."""

from __future__ import annotations

import collections
import logging
import queue
import threading
import weakref
from typing import Any

from flask import Flask

from pgadmin_lite.query_tool import history

log = logging.getLogger(__name__)
BATCH_MAX = 500
LINGER_S = 0.25  # gather what arrives meanwhile into the same transaction; flush() cuts it short


class HistoryWriter:
    """Queues history rows; a daemon thread stores them, many per transaction, under the app's context.

    A user's oldest rows past `keep` are dropped once every `keep // 10` new rows (reads never show more
    than `keep`), so a busy query tool does not pay a DELETE for each statement.
    """

    def __init__(self, app: Flask, keep: int) -> None:
        self._app = weakref.ref(app)  # the thread must not keep a discarded app alive
        self._keep = keep
        self._trim_every = max(1, keep // 10)
        self._since_trim: collections.Counter[int] = collections.Counter()
        self._queue: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self._pending = 0
        self._idle = threading.Condition()
        self._hurry = threading.Event()
        self._thread: threading.Thread | None = None

    def submit(self, entry: dict[str, Any]) -> None:
        with self._idle:
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="history-writer", daemon=True)
                self._thread.start()
        self._queue.put(entry)

    def flush(self, timeout_s: float = 5.0) -> None:
        """Wait until everything submitted so far is stored (a history read sees the latest runs)."""
        with self._idle:
            if self._pending:
                self._hurry.set()
            self._idle.wait_for(lambda: self._pending == 0, timeout=timeout_s)

    def _run(self) -> None:
        while True:
            try:
                batch = [self._queue.get(timeout=1.0)]
            except queue.Empty:
                if self._app() is None:
                    return
                continue
            self._hurry.wait(LINGER_S)
            self._hurry.clear()
            while len(batch) < BATCH_MAX:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._store(batch)

    def _users_to_trim(self, batch: list[dict[str, Any]]) -> list[int]:
        self._since_trim.update(entry["user_id"] for entry in batch)
        due = [user_id for user_id, count in self._since_trim.items() if count >= self._trim_every]
        for user_id in due:
            del self._since_trim[user_id]
        return due

    def _store(self, batch: list[dict[str, Any]]) -> None:
        app = self._app()
        try:
            if app is not None:
                with app.app_context():
                    history.store(batch, trim_users=self._users_to_trim(batch), keep=self._keep)
        except Exception:
            log.exception("Could not record %d query-history entries", len(batch))
        finally:
            with self._idle:
                self._pending -= len(batch)
                self._idle.notify_all()
