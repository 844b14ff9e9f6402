"""Reusable daemon threads for statements: starting a thread per statement cost more than a SELECT 1."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

Task = Callable[[], None]


class WorkerPool:
    """Runs each task on an idle worker or a new one; a worker idle for `idle_s` exits.

    Daemon threads, unlike concurrent.futures', never hold up the process's exit behind a long statement
    (the connection manager cancels those at exit).
    """

    def __init__(self, name: str, idle_s: float = 60.0) -> None:
        self._name = name
        self._idle_s = idle_s
        self._tasks: queue.SimpleQueue[Task] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0  # workers waiting for a task and not yet claimed by a submit
        self._started = 0

    def submit(self, task: Task) -> None:
        with self._lock:
            if self._idle:
                self._idle -= 1
            else:
                self._started += 1
                threading.Thread(target=self._work, name=f"{self._name}-{self._started}", daemon=True).start()
        self._tasks.put(task)

    def _work(self) -> None:
        while True:
            try:
                task = self._tasks.get(timeout=self._idle_s)
            except queue.Empty:
                with self._lock:
                    if self._idle:  # nobody claimed this worker: leave
                        self._idle -= 1
                        return
                continue  # a submit claimed it; its task is on the way
            task()  # tasks handle their own errors (QuerySession._run never raises)
            del task  # while idle, never keep the last task's session (its rows, its result) alive
            with self._lock:
                self._idle += 1
