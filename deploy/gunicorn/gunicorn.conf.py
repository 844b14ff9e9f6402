"""Gunicorn settings for pgadmin_lite: exactly one process with many threads.

The query tool keeps each tab's PostgreSQL connection (and its open transaction) inside the one
serving process, so never raise `workers` above 1 and never recycle the worker (`max_requests`):
either would silently split or kill open transactions. Scale with threads instead.

Standalone (HTTP on 127.0.0.1:5050, from the install dir /opt/pgadmin_lite):
    cd /opt/pgadmin_lite && PYTHONOPTIMIZE=2 .venv/bin/gunicorn -c deploy/gunicorn/gunicorn.conf.py \
        pgadmin_lite.wsgi:app
Behind NGINX (the systemd unit deploy/systemd/pgadmin_lite-gunicorn.service does this):
    PGADMIN_LITE_BIND=unix:/run/pgadmin_lite/gunicorn.sock PYTHONOPTIMIZE=2 .venv/bin/gunicorn \
        -c deploy/gunicorn/gunicorn.conf.py pgadmin_lite.wsgi:app
PYTHONOPTIMIZE=2 (as `python -OO`) drops docstrings and asserts: about 5 MiB less resident memory.
Graceful reload: kill -HUP <master pid> (a new worker starts, the old one finishes its requests).
"""

import os
from typing import Any

bind = os.environ.get("PGADMIN_LITE_BIND", "127.0.0.1:5050")  # or unix:/run/pgadmin_lite/gunicorn.sock
workers = 1  # one process: the connection manager lives here
worker_class = "gthread"
threads = int(os.environ.get("PGADMIN_LITE_THREADS", "25"))
timeout = 60  # requests long-poll for at most a few seconds; 60 s only catches a stuck worker
graceful_timeout = 30
keepalive = 5
max_requests = 0  # never recycle the worker: it would drop every open transaction
preload_app = False  # the app (and its per-process connection manager) is built inside the worker
control_socket_disable = True  # gunicorn 27 would otherwise share ~/.gunicorn/gunicorn.ctl between instances
accesslog = "-"
errorlog = "-"


def post_fork(server: Any, worker: Any) -> None:
    """Tell the app how many workers this server runs, so `--workers 4` is reported at start, not by lost work."""
    from pgadmin_lite.connections import deployment_check

    deployment_check.declare("gunicorn", server.num_workers, deployment_check.GUNICORN_FIX)
