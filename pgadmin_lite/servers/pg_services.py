"""The operator's pg_service.conf (PG_SERVICE_FILE): its service names for the dialog, and what a registration
naming a service connects with. Users name a service, never a file; this module reads the operator's file and
hands libpq its values (this libpq has no servicefile option, and PGSERVICEFILE is process-wide)."""

from __future__ import annotations

from typing import Any

from pgadmin_lite.errors import BadRequest, ConfigError
from pgadmin_lite.servers.fields import CONNECT_PARAMS

# What the dialog may show of an entry (never a password, a passfile or other settings).
SHOWN = ("host", "port", "dbname", "user", "sslmode")
ADDRESS = ("host", "hostaddr", "port")  # where a service-only entry connects
USED = frozenset({*ADDRESS, "dbname", "user", "sslmode", *CONNECT_PARAMS})  # what a connection takes from a service


def parse(text: str) -> dict[str, dict[str, str]]:
    """libpq's service file format: [name] sections of key=value lines; # and ; lines are comments."""
    services: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = services.setdefault(line[1:-1].strip(), {})
        elif current is not None and "=" in line:
            key, value = line.split("=", 1)
            current[key.strip()] = value.strip()
    return services


def read_services(path: str) -> dict[str, dict[str, str]]:
    """The services of the operator's file ({} when PG_SERVICE_FILE is empty)."""
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            return parse(handle.read())
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"PG_SERVICE_FILE {path!r} cannot be read: {exc}") from None


def configured_file() -> str:
    """PG_SERVICE_FILE of the app handling the request."""
    from flask import current_app

    return str(current_app.config["PG_SERVICE_FILE"] or "")


def service_list(path: str) -> list[dict[str, Any]]:
    """For the dialog: each service's name and where it points."""
    return [{"name": name, **{key: entry[key] for key in SHOWN if key in entry}}
            for name, entry in sorted(read_services(path).items())]


def check_service(name: Any, path: str, label: str = "service") -> str | None:
    """A service name the operator's file defines (None: no service)."""
    if name is None or name == "":
        return None
    if not path:
        raise BadRequest(f"{label}: no service file is configured, so no service can be used.", field=label,
                         hint="An administrator can name the system pg_service.conf in PG_SERVICE_FILE.")
    if not isinstance(name, str) or name not in read_services(path):
        raise BadRequest(f"{label}: {name!r} is not a service of the configured service file.", field=label,
                         hint="Pick one of GET /api/v1/servers/services.")
    return name


def service_params(name: str, path: str) -> dict[str, Any]:
    """The libpq parameters the service sets that a registration may set (never password, passfile or
    another service): what libpq would take from it, read here so libpq never opens a service file."""
    entry = read_services(path).get(name)
    if entry is None:
        raise BadRequest(f"The service {name!r} is no longer in the operator's service file.", field="service",
                         hint="Pick another service, or ask an administrator to restore it.")
    params: dict[str, Any] = {key: value for key, value in entry.items() if key in USED}
    if "port" in params:
        try:
            params["port"] = int(params["port"])
        except ValueError:
            raise ConfigError(f"PG_SERVICE_FILE: the port of service {name!r} is not a number: "
                              f"{params['port']!r}") from None
    return params
