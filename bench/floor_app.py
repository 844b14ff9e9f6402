"""The floor for a round trip: a bare Flask app doing SELECT 1 on a connection each thread holds.

Served by `gunicorn -c bench/floor_gunicorn.conf.py bench.floor_app:app` (the deploy config: 1 worker,
25 threads); BENCH_FLOOR_DSN names the database.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import psycopg
from flask import Flask, jsonify, request

app = Flask(__name__)
_local = threading.local()


def held_connection() -> psycopg.Connection[Any]:
    """One connection per serving thread, opened on first use and held for the process's life."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = psycopg.connect(os.environ["BENCH_FLOOR_DSN"], autocommit=True)
    return conn


@app.get("/health")
def health() -> Any:
    return jsonify({"status": "ok", "pid": os.getpid()})


@app.post("/select1")
def select1() -> Any:
    """Parse a JSON body, run SELECT 1, answer with its rows: the least a query API can do."""
    request.get_json(force=True, silent=True)
    rows = held_connection().execute("SELECT 1").fetchall()
    return jsonify({"rows": [list(row) for row in rows]})
