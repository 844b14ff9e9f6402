"""The statement worker pool: idle workers are reused, busy ones never are, idle ones leave."""

from __future__ import annotations

import gc
import threading
import time
import weakref

from pgadmin_lite.connections.workers import WorkerPool
from tests.plugins.waiting import wait_until


def run_and_wait(pool: WorkerPool) -> str:
    """Submit a task and return the name of the thread that ran it."""
    done = threading.Event()
    names: list[str] = []

    def record() -> None:
        names.append(threading.current_thread().name)
        done.set()

    pool.submit(record)
    assert done.wait(5)
    return names[0]


def workers_named(prefix: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(f"{prefix}-")]


def test_an_idle_worker_runs_the_next_task() -> None:
    pool = WorkerPool("reuse")
    first = run_and_wait(pool)
    time.sleep(0.05)  # the worker is back to waiting
    assert run_and_wait(pool) == first
    assert len(workers_named("reuse")) == 1


def test_tasks_that_wait_for_each_other_each_get_a_worker() -> None:
    """A busy worker is never handed a second task: five tasks that meet at a barrier all finish."""
    pool = WorkerPool("busy")
    barrier = threading.Barrier(5, timeout=5)
    finished: list[int] = []
    for index in range(5):
        pool.submit(lambda i=index: (barrier.wait(), finished.append(i)))
    deadline = time.monotonic() + 5
    while len(finished) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(finished) == [0, 1, 2, 3, 4]


def test_idle_workers_leave_and_new_ones_come_when_needed() -> None:
    pool = WorkerPool("leave", idle_s=0.1)
    run_and_wait(pool)
    deadline = time.monotonic() + 5
    while workers_named("leave") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not workers_named("leave")
    assert run_and_wait(pool).startswith("leave-")


def test_every_task_runs_exactly_once_under_concurrent_submits() -> None:
    pool = WorkerPool("many", idle_s=0.01)  # workers come and go while tasks arrive
    ran: list[int] = []
    lock = threading.Lock()

    def submitter(base: int) -> None:
        for index in range(100):
            def task(value: int = base + index) -> None:
                time.sleep(0.0005 * (value % 3))
                with lock:
                    ran.append(value)
            pool.submit(task)
            if index % 10 == 0:
                time.sleep(0.02)  # let some workers time out between bursts

    threads = [threading.Thread(target=submitter, args=(base,)) for base in (0, 1000, 2000, 3000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    deadline = time.monotonic() + 10
    while len(ran) < 400 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(ran) == sorted(base + i for base in (0, 1000, 2000, 3000) for i in range(100))


def test_an_idle_worker_keeps_nothing_of_its_last_task_alive() -> None:
    """A worker waiting for work must not pin the last task's session (its rows and result) in memory."""
    class Session:
        pass

    pool = WorkerPool("forget")
    session, done = Session(), threading.Event()
    gone = weakref.ref(session)
    pool.submit(lambda s=session: done.set() if s else None)
    del session
    assert done.wait(5)
    wait_until(lambda: gc.collect() is not None and gone() is None,  # until the worker has finished with the task
               "the idle worker still holds its last task", timeout=5)
    assert gone() is None
