"""Background jobs: pg_dump / pg_dumpall / pg_restore and psycopg tasks (maintenance, COPY, a plain SQL restore),
each in its own worker process (`python -m pgadmin_lite.jobs.worker`) started with an explicit Python interpreter.

This package's __init__ stays import-light: the worker imports it too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from pgadmin_lite.jobs.runner import JobSettings

JOBS_SUBDIR = "jobs"  # under DATA_DIR: one 0700 directory per job


def _positive(config: Mapping[str, Any], name: str, kind: type) -> Any:
    from pgadmin_lite.errors import ConfigError

    value = config[name]
    if isinstance(value, bool) or not isinstance(value, int | float if kind is float else int) or value <= 0:
        raise ConfigError(f"{name} must be a positive number, got {value!r}.")
    return kind(value)


def settings_from(config: Mapping[str, Any]) -> JobSettings:
    """Validate the job settings once at start-up: a mistake stops the app with the setting's name."""
    from pgadmin_lite.errors import ConfigError
    from pgadmin_lite.jobs.runner import JobSettings

    bin_dirs = config["PG_BIN_DIRS"]
    if not isinstance(bin_dirs, list) or not all(isinstance(d, str) and os.path.isabs(d) for d in bin_dirs):
        raise ConfigError(f"PG_BIN_DIRS must be a list of absolute directory paths, got {bin_dirs!r}.")
    python = config["PYTHON_EXECUTABLE"]
    if not isinstance(python, str) or (python and not os.path.isabs(python)):
        raise ConfigError(f"PYTHON_EXECUTABLE must be empty or an absolute path to Python, got {python!r}.")
    return JobSettings(
        jobs_dir=Path(config["DATA_DIR"]) / JOBS_SUBDIR, python_executable=python, bin_dirs=tuple(bin_dirs),
        max_per_user=_positive(config, "MAX_JOBS_PER_USER", int), max_total=_positive(config, "MAX_JOBS", int),
        log_tail_bytes=_positive(config, "JOB_LOG_TAIL_BYTES", int),
        log_max_bytes=_positive(config, "JOB_LOG_MAX_BYTES", int),
        cancel_grace=_positive(config, "JOB_CANCEL_GRACE", float),
        history_max=_positive(config, "JOB_HISTORY_MAX", int), connect_timeout=int(config["CONNECT_TIMEOUT"]))


def init_app(app: Flask) -> None:
    """Settings, the jobs directory (0700), the runner that starts and reaps workers, the API and page."""
    from pgadmin_lite.directories import ensure_writable_dir
    from pgadmin_lite.jobs.runner import JobRunner
    from pgadmin_lite.jobs.service import record_exit
    from pgadmin_lite.jobs.views import bp
    from pgadmin_lite.users.signals import user_deleting

    settings = settings_from(app.config)
    ensure_writable_dir(settings.jobs_dir, "DATA_DIR")
    app.extensions["jobs"] = JobRunner(app, settings, record_exit)
    user_deleting.connect(_on_user_deleting)  # connecting the same function again is a no-op
    app.register_blueprint(bp)


def _on_user_deleting(user: Any, **_: Any) -> None:
    """A deleted user's jobs end with them (a signal keeps users.service unaware of jobs)."""
    from pgadmin_lite.jobs.service import end_user_jobs

    end_user_jobs(user.id)
