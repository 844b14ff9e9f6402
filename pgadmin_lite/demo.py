"""The embedded demo for `make run`: a local PostgreSQL under DATA_DIR, registered as "Local demo"."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from pgadmin_lite.extensions import db
from pgadmin_lite.models import Server, User
from pgadmin_lite.servermgr.postgres import DatabaseException, Manager, WorkerError
from pgadmin_lite.servers import service as servers

DEMO_NAME = "Local demo"


def start_demo_cluster(config: dict[str, Any]) -> tuple[Manager | None, str]:
    """Start (initialising on first use) the demo cluster; returns (manager or None, a line for the user)."""
    data_dir = Path(config["DATA_DIR"])
    if os.geteuid() == 0:
        # PostgreSQL runs as "postgres" and must traverse DATA_DIR (not list it); every file in it stays 0600.
        os.chmod(data_dir, 0o711)  # noqa: S103
    try:
        manager = Manager("127.0.0.1", config["DEMO_CLUSTER_PORT"], data_dir / "demo-postgres" / "data",
                          initialize=True)
        manager.start(timeout=30.0)
    except (DatabaseException, WorkerError) as exc:
        return None, (f"Demo cluster not started: {exc}\n(another port: PGADMIN_LITE_DEMO_CLUSTER_PORT=5434; "
                      f"none: PGADMIN_LITE_DEMO_CLUSTER=false)")
    return manager, (f"Demo PostgreSQL {manager.version} running on 127.0.0.1:{manager.port} (data {manager.data_dir});"
                     f" it trusts every local connection as superuser {manager.superuser}: keep no real data in it.")


def register_demo_server(app: Flask, manager: Manager) -> str | None:
    """Create or refresh the first administrator's "Local demo" server; returns its owner's email."""
    with app.app_context():
        admin = db.session.execute(
            db.select(User).filter_by(is_admin=True, active=True).order_by(User.id)).scalars().first()
        if admin is None:
            return None
        body = {"name": DEMO_NAME, "group": "Demo", "host": manager.host, "port": manager.port,
                "maintenance_db": "postgres", "username": manager.superuser}
        existing = db.session.execute(db.select(Server).filter_by(user_id=admin.id, name=DEMO_NAME)).scalars().first()
        if existing is None:
            servers.create_server(admin, body)
        else:
            servers.update_server(existing, admin, {k: v for k, v in body.items() if k != "name"})
        return admin.email
