"""Load settings: config.py, then config_local.py, then PGADMIN_LITE_<NAME> environment variables."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from pgadmin_lite.errors import ConfigError

CONFIG_DIR = Path(__file__).resolve().parent.parent
ENV_PREFIX = "PGADMIN_LITE_"
# PGADMIN_LITE_* variables that are inputs to commands, not settings.
COMMAND_INPUTS = frozenset({"SETUP_EMAIL", "SETUP_PASSWORD", "CONFIG_DIR", "BIND", "THREADS"})
# Paths that default to a file or directory under DATA_DIR.
DERIVED_PATHS = {
    "LOG_FILE": "pgadmin_lite.log",
    "SQLITE_PATH": "pgadmin_lite.db",
    "SESSION_DB_PATH": "sessions.db",
    "STORAGE_DIR": "storage",
    "SECRET_KEY_FILE": "secret_key",
    "CREDENTIALS_KEY_FILE": "credentials.key",
}
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})

log = logging.getLogger(__name__)


def _load_module(path: Path, name: str) -> ModuleType:
    """Execute a settings file as a module so its names can be read."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"Cannot load settings file {path}.")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ConfigError(f"{path} failed to load: {type(exc).__name__}: {exc}") from exc
    return module


def _public_names(module: ModuleType) -> dict[str, Any]:
    """Settings are the upper-case names of a module."""
    return {name: getattr(module, name) for name in dir(module) if name.isupper() and not name.startswith("_")}


def _is_type_ok(default: Any, value: Any) -> bool:
    """A value must have its default's type; None defaults accept a string."""
    if default is None:
        return value is None or isinstance(value, str)
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, type(default))


def _type_name(default: Any) -> str:
    return "string" if default is None else type(default).__name__


def parse_env_value(name: str, default: Any, raw: str) -> Any:
    """Parse an environment string as data by the default's type; never evaluate it."""
    if default is None or isinstance(default, str):
        return raw
    if isinstance(default, bool):
        word = raw.strip().lower()
        if word in TRUE_WORDS | FALSE_WORDS:
            return word in TRUE_WORDS
        raise ConfigError(f"{ENV_PREFIX}{name}={raw!r} is not a boolean (use true or false).")
    try:
        value = json.loads(raw) if isinstance(default, list | dict) else type(default)(raw.strip())
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}{name}={raw!r} is not a valid {_type_name(default)}.") from exc
    if not _is_type_ok(default, value):
        raise ConfigError(f"{ENV_PREFIX}{name} must be a JSON {_type_name(default)}, got {raw!r}.")
    return value


def _apply_local(settings: dict[str, Any], defaults: Mapping[str, Any], path: Path) -> None:
    """Merge config_local.py, refusing names that are not settings and values of the wrong type."""
    for name, value in _public_names(_load_module(path, "config_local")).items():
        if name not in defaults:
            raise ConfigError(f"{path}: {name} is not a pgadmin_lite setting (see config.py for the list).")
        if not _is_type_ok(defaults[name], value):
            raise ConfigError(f"{path}: {name} must be a {_type_name(defaults[name])}, got {value!r}.")
        settings[name] = value


def _apply_env(settings: dict[str, Any], defaults: Mapping[str, Any], environ: Mapping[str, str]) -> None:
    """Merge PGADMIN_LITE_<NAME> variables; warn about names that are no setting."""
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX):]
        if name in defaults:
            settings[name] = parse_env_value(name, defaults[name], raw)
        elif name not in COMMAND_INPUTS:
            log.warning("Environment variable %s names no pgadmin_lite setting; it is ignored.", key)


def _derive_paths(settings: dict[str, Any]) -> None:
    """Fill the paths left unset from DATA_DIR and make every path absolute."""
    data_dir = Path(settings["DATA_DIR"]).expanduser().resolve()
    settings["DATA_DIR"] = str(data_dir)
    for name, leaf in DERIVED_PATHS.items():
        value = settings.get(name) or str(data_dir / leaf)
        settings[name] = str(Path(value).expanduser().resolve())


def load_settings(
    config_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the merged, validated settings (overrides come last and are for tests and tools)."""
    environ = os.environ if environ is None else environ
    config_dir = Path(environ.get(f"{ENV_PREFIX}CONFIG_DIR") or config_dir or CONFIG_DIR)
    defaults = _public_names(_load_module(config_dir / "config.py", "pgadmin_lite_config"))
    settings = dict(defaults)
    local = config_dir / "config_local.py"
    if local.exists():
        _apply_local(settings, defaults, local)
    _apply_env(settings, defaults, environ)
    for name, value in (overrides or {}).items():
        if name not in defaults:
            raise ConfigError(f"{name} is not a pgadmin_lite setting (see config.py for the list).")
        settings[name] = value
    _derive_paths(settings)
    return settings
