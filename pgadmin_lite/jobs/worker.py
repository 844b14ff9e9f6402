"""The job worker: `python -m pgadmin_lite.jobs.worker <job-dir>` runs one job and reports in its directory.

It is started by the web process in a new session, with the descriptors of its storage input/output
(see storage.handoff) and PGPASSFILE pointing at the job's passfile. It runs the PostgreSQL program of the
spec with an argv list and no shell, or the psycopg task of worker_sql (a plain SQL restore: worker_restore);
streams the output into the log; reports progress every half second; commits the output into storage on
success and removes it otherwise. SIGTERM (a cancel: the whole session gets it) stops the program, removes
the partial output and ends the job as cancelled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import traceback
from contextlib import suppress
from pathlib import Path
from typing import IO, Any

import psycopg

from pgadmin_lite.jobs import jobfiles, worker_restore, worker_sql
from pgadmin_lite.jobs.commands import describe_argv
from pgadmin_lite.jobs.progress import LineCounter, Progress, count_list_entries
from pgadmin_lite.jobs.sqlscript import ScriptError
from pgadmin_lite.storage import handoff

TICK_S = 0.5


class JobFailed(Exception):
    """The job cannot succeed; the message is shown as the job's outcome."""


class WorkerJob:
    """One job run: the spec, the log, the progress and the status file."""

    def __init__(self, job_dir: Path, spec: dict[str, Any]) -> None:
        self.job_dir, self.spec = job_dir, spec
        self.fds: dict[str, int] = spec.get("fds") or {}
        self.output: dict[str, Any] | None = spec.get("output")
        self.log = jobfiles.LogWriter(job_dir, int(spec.get("log_max_bytes", 1 << 20)))
        self.progress = Progress(unit=spec.get("progress_unit", ""))
        self.cancel = threading.Event()
        self.failure: str | None = None
        self.started_at = jobfiles.now_iso()
        self.output_size: int | None = None
        self.grace = float(spec.get("cancel_grace", 5.0))
        self.room: int | None = None
        self.summary: list[str] = []  # the success message, sentence by sentence

    # --- reporting -------------------------------------------------------------------------------------------
    def report(self, state: str, *, exit_code: int | None = None, message: str | None = None) -> None:
        jobfiles.write_json(self.job_dir / jobfiles.STATUS, {
            "state": state, "pid": os.getpid(), "started_at": self.started_at,
            "ended_at": None if state == "running" else jobfiles.now_iso(), "exit_code": exit_code,
            "message": message, "progress": self.progress.to_dict(), "output_size": self.output_size,
            "log_bytes": self.log.total, "updated_at": jobfiles.now_iso()})

    def on_signal(self, signum: int, _frame: Any) -> None:
        self.cancel.set()

    def tick(self) -> None:
        """Measure the output (or how far the input was read), enforce the quota, and report progress."""
        if self.output is not None and self.fds.get("out", -1) >= 0:
            self.output_size = handoff.output_size(self.fds["out"], self.output["is_dir"])
            self.progress.bytes = self.output_size
            if self.room is not None and self.output_size > self.room and self.failure is None:
                self.failure = (f"Storage quota exceeded: the output reached {self.output_size} bytes and only "
                                f"{max(self.room, 0)} were free; the partial output was removed.")
                self.cancel.set()
        elif self.spec.get("input_is_file") and self.fds.get("in", -1) >= 0:
            self.progress.bytes = os.lseek(self.fds["in"], 0, os.SEEK_CUR)  # shared with the program's stdin
        self.report("running")

    # --- running a program -----------------------------------------------------------------------------------
    def _pump(self, stream: IO[bytes], counter: LineCounter) -> None:
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.log.line(line)
            counter.feed(line)

    def _stop(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGTERM (pg_dump then sends the server a cancel request), then SIGKILL after the grace period."""
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(self.grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def count_entries(self) -> None:
        """The archive's entry count from pg_restore --list, for the progress total (best effort)."""
        argv, in_fd = self.spec["list_argv"], self.fds.get("in", -1)
        stdin = in_fd if self.spec.get("input_is_file") else subprocess.DEVNULL
        result = subprocess.run(argv, stdin=stdin, capture_output=True, pass_fds=self._pass_fds(), cwd=self.job_dir,
                                check=False, timeout=600)
        if self.spec.get("input_is_file"):
            os.lseek(in_fd, 0, os.SEEK_SET)
        if result.returncode != 0:
            lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise JobFailed(lines[-1] if lines else "pg_restore could not read the archive.")
        self.progress.total = count_list_entries(result.stdout.decode("utf-8", "replace"))
        if self.spec.get("options", {}).get("clean"):
            self.progress.total *= 2  # every entry is dropped, then created

    def _pass_fds(self) -> tuple[int, ...]:
        """Descriptors a program reaches by /proc/self/fd/<n>: a directory archive or the directory output."""
        fds = []
        if self.spec.get("input_is_dir"):
            fds.append(self.fds["in"])
        if self.output is not None and self.output["is_dir"]:
            fds.append(self.fds["out"])
        return tuple(fds)

    def run_program(self) -> int:
        argv: list[str] = self.spec["argv"]
        if self.spec.get("list_argv"):
            self.count_entries()
        self.log.line("$ " + describe_argv(argv))
        writes_stdout = self.output is not None and not self.output["is_dir"]
        stdin = self.fds["in"] if self.spec.get("input_is_file") else subprocess.DEVNULL
        proc = subprocess.Popen(argv, stdin=stdin, stdout=self.fds["out"] if writes_stdout else subprocess.PIPE,
                                stderr=subprocess.PIPE if writes_stdout else subprocess.STDOUT,
                                pass_fds=self._pass_fds(), cwd=self.job_dir)
        counter = LineCounter(self.spec.get("program", ""), self.progress)
        stream = proc.stderr if writes_stdout else proc.stdout
        assert stream is not None
        reader = threading.Thread(target=self._pump, args=(stream, counter), daemon=True)
        reader.start()
        while proc.poll() is None:
            with suppress(subprocess.TimeoutExpired):
                proc.wait(TICK_S)  # returns as soon as the program exits; a signal sets self.cancel meanwhile
            if self.cancel.is_set():
                self._stop(proc)
                break
            self.tick()
        proc.wait()
        reader.join(10)
        if proc.returncode != 0 and not self.cancel.is_set():
            name = os.path.basename(argv[0])
            raise JobFailed(counter.last_error or f"{name} exited with code {proc.returncode}.")
        return proc.returncode

    # --- the job as a whole ----------------------------------------------------------------------------------
    def execute(self) -> int:
        if self.output is not None and self.fds.get("root", -1) >= 0:
            own = handoff.output_size(self.fds["out"], self.output["is_dir"])
            self.room = handoff.quota_room(self.fds["root"], self.output.get("quota_bytes"), own)
        if self.spec.get("argv"):
            if self.spec.get("program") == "pg_dump":
                worker_sql.count_backup_tables(self)
            return self.run_program()
        if self.spec["kind"] == "restore":  # a plain SQL file: our own runner, never psql
            worker_restore.run_plain_restore(self)
            return 0
        return worker_sql.run(self)

    def finish_output(self, ok: bool) -> None:
        if self.output is None or self.fds.get("dir", -1) < 0:
            return
        if ok:
            self.output_size = handoff.commit_output(self.output, self.fds["root"], self.fds["dir"], self.fds["out"])
            kind = "folder" if self.output["is_dir"] else "file"
            self.summary.append(f"Saved {'/' + '/'.join(self.output['parts'])} ({kind}, {self.output_size} bytes).")
        else:
            handoff.remove_temp(self.fds["dir"], self.output["temp"], self.output["is_dir"])
            self.output_size = None

    def _attempt(self) -> tuple[int | None, str | None]:
        """Run the job; (exit code, None) when it ran to the end, else (exit code, why it failed)."""
        try:
            return self.execute(), None
        except (JobFailed, ScriptError) as exc:
            return None, str(exc)
        except psycopg.Error as exc:  # the server's (or libpq's) own words
            self.log.line(f"ERROR:  {str(exc).strip()}")
            return None, worker_sql.server_message(exc)
        except Exception as exc:  # reported as the job's outcome; the traceback goes to the log
            self.log.line(traceback.format_exc())
            return None, f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
        finally:
            jobfiles.remove_passfile(self.job_dir)

    def run(self) -> int:
        """Run, then report exactly one final state; the passfile goes whatever happens."""
        self.report("running")
        self.log.line(f"Job {self.spec.get('job_id')} ({self.spec.get('kind')}) started: worker pid {os.getpid()}, "
                      f"Python {sys.executable}.")
        exit_code, message = self._attempt()
        if self.cancel.is_set():  # whatever the program made of the signal, a cancel is a cancel
            state = "failed" if self.failure else "cancelled"
            message = self.failure or "Cancelled; the partial output was removed."
        else:
            state = "failed" if message else "succeeded"
        try:
            self.finish_output(state == "succeeded")
        except Exception as exc:
            state, message = "failed", f"The output could not be saved: {getattr(exc, 'message', None) or exc}"
            self.finish_output(False)
        if state == "succeeded":
            self.progress.is_finished = True
            if self.spec.get("kind") == "restore":
                self.summary.append(f"Restored into database {self.spec.get('database')!r}.")
            message = " ".join(self.summary) or "Done."
        self.log.line(f"Job {state}: {message}")
        self.report(state, exit_code=exit_code, message=message)
        self.log.close()
        return 0 if state == "succeeded" else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m pgadmin_lite.jobs.worker <job-dir>", file=sys.stderr)
        return 2
    job_dir = Path(argv[1])
    spec = jobfiles.read_json(job_dir / jobfiles.SPEC)
    if spec is None:
        print(f"no readable {jobfiles.SPEC} in {job_dir}", file=sys.stderr)
        return 2
    job = WorkerJob(job_dir, spec)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, job.on_signal)
    return job.run()


if __name__ == "__main__":
    sys.exit(main())
