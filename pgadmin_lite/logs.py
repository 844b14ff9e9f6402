"""Logging to stderr and LOG_FILE at their configured levels."""

from __future__ import annotations

import logging
import os
import sys

from flask import Flask
from flask.logging import default_handler

FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"


def init_app(app: Flask) -> None:
    """Attach our handlers once per process to the package logger."""
    logger = logging.getLogger("pgadmin_lite")
    for handler in list(logger.handlers):
        if getattr(handler, "is_pgadmin_lite", False):
            logger.removeHandler(handler)
            handler.close()
    log_file = app.config["LOG_FILE"]
    if not os.path.exists(log_file):
        os.close(os.open(log_file, os.O_CREAT | os.O_WRONLY, 0o600))
    file_handler = logging.FileHandler(log_file, encoding="utf-8")
    file_handler.setLevel(app.config["FILE_LOG_LEVEL"].upper())
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(app.config["CONSOLE_LOG_LEVEL"].upper())
    for handler in (file_handler, console):
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.is_pgadmin_lite = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(min(file_handler.level, console.level))
    logger.removeHandler(default_handler)  # app.logger is this same "pgadmin_lite" logger
