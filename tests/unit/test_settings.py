"""Settings: config.py < config_local.py < PGADMIN_LITE_<NAME> < overrides, typed parsing, and clear errors."""

from __future__ import annotations

import ast
import logging
import re
import runpy
import shutil
from pathlib import Path
from typing import Any

import pytest

from pgadmin_lite.errors import ConfigError
from pgadmin_lite.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
REAL_CONFIG = ROOT / "config.py"
EXAMPLE = ROOT / "config_local.py.example"
DERIVED = {
    "LOG_FILE": "pgadmin_lite.log",
    "SQLITE_PATH": "pgadmin_lite.db",
    "SESSION_DB_PATH": "sessions.db",
    "STORAGE_DIR": "storage",
}
# Settings the issue requires config.py to document.
REQUIRED = ("DATA_DIR", "LOG_FILE", "SQLITE_PATH", "SESSION_DB_PATH", "STORAGE_DIR", "CONFIG_DATABASE_URI",
            "SECRET_KEY", "DEFAULT_SERVER", "DEFAULT_SERVER_PORT", "MAX_LOGIN_ATTEMPTS", "LOGIN_LOCKOUT_MINUTES",
            "PASSWORD_LENGTH_MIN", "SESSION_EXPIRATION_TIME", "USER_INACTIVITY_TIMEOUT", "TRUSTED_PROXIES",
            "CONSOLE_LOG_LEVEL", "FILE_LOG_LEVEL")


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A config directory holding a copy of the real config.py and nothing else."""
    directory = tmp_path / "cfg"
    directory.mkdir()
    shutil.copy(REAL_CONFIG, directory / "config.py")
    return directory


def write_local(config_dir: Path, text: str) -> Path:
    path = config_dir / "config_local.py"
    path.write_text(text, encoding="utf-8")
    return path


def real_defaults() -> dict[str, Any]:
    return {k: v for k, v in runpy.run_path(str(REAL_CONFIG)).items() if k.isupper()}


def load(config_dir: Path, environ: dict[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
    return load_settings(config_dir=config_dir, environ=environ or {}, overrides=overrides or None)


# --- config.py itself ---------------------------------------------------------------------------

def test_config_py_documents_every_setting_with_a_comment() -> None:
    """Every upper-case setting in config.py has a default and a comment line right above it."""
    lines = REAL_CONFIG.read_text(encoding="utf-8").splitlines()
    names = []
    for node in ast.parse("\n".join(lines)).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name) and target.id.isupper():
                names.append(target.id)
                above = lines[node.lineno - 2].strip()
                assert above.startswith("#"), f"{target.id} in config.py has no comment above it"
    assert set(REQUIRED) <= set(names), f"missing from config.py: {set(REQUIRED) - set(names)}"
    defaults = real_defaults()
    assert defaults["DEFAULT_SERVER"] == "127.0.0.1"
    assert defaults["DEFAULT_SERVER_PORT"] == 5050
    assert defaults["SECRET_KEY"] == "", "SECRET_KEY must never have a hard-coded default"


def test_defaults_come_from_config_py_in_config_dir(config_dir: Path) -> None:
    settings = load(config_dir)
    for name, value in real_defaults().items():
        if name not in DERIVED and name not in {"SECRET_KEY_FILE", "CREDENTIALS_KEY_FILE", "DATA_DIR"}:
            assert settings[name] == value, name
    with (config_dir / "config.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# changed for the test\nMAX_LOGIN_ATTEMPTS = 99\n")
    assert load(config_dir)["MAX_LOGIN_ATTEMPTS"] == 99


# --- precedence ---------------------------------------------------------------------------------

def test_precedence_config_local_env_overrides(config_dir: Path) -> None:
    write_local(config_dir, "MAX_LOGIN_ATTEMPTS = 7\nLOGIN_LOCKOUT_MINUTES = 20\nPASSWORD_LENGTH_MIN = 10\n")
    env = {"PGADMIN_LITE_LOGIN_LOCKOUT_MINUTES": "30", "PGADMIN_LITE_PASSWORD_LENGTH_MIN": "12"}
    settings = load(config_dir, env, PASSWORD_LENGTH_MIN=14)
    assert settings["MAX_LOGIN_ATTEMPTS"] == 7  # config_local beats config.py
    assert settings["LOGIN_LOCKOUT_MINUTES"] == 30  # env beats config_local
    assert settings["PASSWORD_LENGTH_MIN"] == 14  # overrides beat env
    assert settings["SESSION_EXPIRATION_TIME"] == real_defaults()["SESSION_EXPIRATION_TIME"]
    # Without the override and the env, the lower layers show through again.
    assert load(config_dir)["PASSWORD_LENGTH_MIN"] == 10
    assert load(config_dir, env)["PASSWORD_LENGTH_MIN"] == 12


def test_config_local_may_use_lower_case_helpers(config_dir: Path) -> None:
    write_local(config_dir, "import os\nbase = os.path.join('/srv', 'pgl')\nDATA_DIR = base\n")
    assert load(config_dir)["DATA_DIR"] == "/srv/pgl"


def test_config_dir_can_come_from_the_environment(config_dir: Path) -> None:
    write_local(config_dir, "MAX_LOGIN_ATTEMPTS = 4\n")
    settings = load_settings(environ={"PGADMIN_LITE_CONFIG_DIR": str(config_dir)})
    assert settings["MAX_LOGIN_ATTEMPTS"] == 4


def test_unknown_override_is_an_error(config_dir: Path) -> None:
    with pytest.raises(ConfigError, match="NOT_A_SETTING"):
        load(config_dir, NOT_A_SETTING=1)


# --- environment parsing --------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("1", True), ("true", True), ("TRUE", True), ("yes", True), (" On ", True),
    ("0", False), ("false", False), ("No", False), ("off", False),
])
def test_env_bool_words(config_dir: Path, raw: str, expected: bool) -> None:
    assert load(config_dir, {"PGADMIN_LITE_DEMO_CLUSTER": raw})["DEMO_CLUSTER"] is expected


@pytest.mark.parametrize(("name", "raw", "expected"), [
    ("MAX_LOGIN_ATTEMPTS", "42", 42),
    ("MAX_LOGIN_ATTEMPTS", " 3 ", 3),
    ("TRUSTED_PROXIES", '["10.0.0.5", "unix"]', ["10.0.0.5", "unix"]),
    ("TRUSTED_PROXIES", "[]", []),
    ("CONFIG_DATABASE_URI", "postgresql://u@db/pgl", "postgresql://u@db/pgl"),
    ("CONSOLE_LOG_LEVEL", "DEBUG", "DEBUG"),
])
def test_env_values_parsed_by_the_defaults_type(config_dir: Path, name: str, raw: str, expected: Any) -> None:
    value = load(config_dir, {f"PGADMIN_LITE_{name}": raw})[name]
    assert value == expected
    assert type(value) is type(expected)


def test_env_path_setting_with_none_default_is_a_string(config_dir: Path, tmp_path: Path) -> None:
    settings = load(config_dir, {"PGADMIN_LITE_LOG_FILE": str(tmp_path / "logs" / "app.log")})
    assert settings["LOG_FILE"] == str(tmp_path / "logs" / "app.log")


@pytest.mark.parametrize(("name", "raw"), [
    ("DEMO_CLUSTER", "maybe"),
    ("DEMO_CLUSTER", ""),
    ("MAX_LOGIN_ATTEMPTS", "4x"),
    ("MAX_LOGIN_ATTEMPTS", "7.5"),
    ("MAX_LOGIN_ATTEMPTS", "true"),
    ("TRUSTED_PROXIES", "10.0.0.5"),
    ("TRUSTED_PROXIES", '{"a": 1}'),
    ("TRUSTED_PROXIES", '"10.0.0.5"'),
])
def test_ill_typed_env_value_is_an_error_naming_the_variable(config_dir: Path, name: str, raw: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(config_dir, {f"PGADMIN_LITE_{name}": raw})
    assert f"PGADMIN_LITE_{name}" in str(info.value)


@pytest.mark.parametrize("name", ["MAX_LOGIN_ATTEMPTS", "DEMO_CLUSTER", "TRUSTED_PROXIES", "CONFIG_DATABASE_URI",
                                  "SQLITE_PATH"])
def test_env_value_is_never_executed(config_dir: Path, tmp_path: Path, name: str) -> None:
    marker = tmp_path / "executed"
    payload = f"__import__('os').system('touch {marker}')"
    for raw in (payload, f"[{payload}]"):
        try:
            value = load(config_dir, {f"PGADMIN_LITE_{name}": raw})[name]
        except ConfigError as exc:
            assert f"PGADMIN_LITE_{name}" in str(exc)
        else:  # a string setting keeps the text as data
            assert isinstance(value, str)
            assert "__import__" in value
        assert not marker.exists(), f"PGADMIN_LITE_{name} was executed"


def test_env_json_list_is_data_not_code(config_dir: Path) -> None:
    value = load(config_dir, {"PGADMIN_LITE_TRUSTED_PROXIES": '["__import__(\'os\')"]'})["TRUSTED_PROXIES"]
    assert value == ["__import__('os')"]


def test_unknown_env_variable_is_a_warning(config_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="pgadmin_lite")
    env = {"PGADMIN_LITE_MAX_LOGIN_ATTEMPT": "3", "PGADMIN_LITE_SETUP_EMAIL": "a@example.com",
           "PGADMIN_LITE_SETUP_PASSWORD": "not-logged-1", "MAX_LOGIN_ATTEMPTS": "2", "OTHER_THING": "x"}
    settings = load(config_dir, env)
    assert settings["MAX_LOGIN_ATTEMPTS"] == real_defaults()["MAX_LOGIN_ATTEMPTS"]  # unprefixed: ignored
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("PGADMIN_LITE_MAX_LOGIN_ATTEMPT" in w for w in warnings), warnings
    assert not any("SETUP_EMAIL" in w or "SETUP_PASSWORD" in w for w in warnings), warnings
    assert not any("not-logged-1" in r.getMessage() for r in caplog.records)
    assert not any("OTHER_THING" in w for w in warnings)


# --- config_local.py errors ---------------------------------------------------------------------

@pytest.mark.parametrize(("line", "name"), [
    ('MAX_LOGIN_ATTEMPTS = "5"', "MAX_LOGIN_ATTEMPTS"),
    ("MAX_LOGIN_ATTEMPTS = True", "MAX_LOGIN_ATTEMPTS"),
    ("SESSION_EXPIRATION_TIME = 1.5", "SESSION_EXPIRATION_TIME"),
    ("DEMO_CLUSTER = 1", "DEMO_CLUSTER"),
    ('TRUSTED_PROXIES = "127.0.0.1"', "TRUSTED_PROXIES"),
    ("LOG_FILE = 5", "LOG_FILE"),
    ("CONFIG_DATABASE_URI = None", "CONFIG_DATABASE_URI"),
])
def test_ill_typed_config_local_value_is_an_error(config_dir: Path, line: str, name: str) -> None:
    write_local(config_dir, line + "\n")
    with pytest.raises(ConfigError) as info:
        load(config_dir)
    assert name in str(info.value)


def test_unknown_name_in_config_local_is_an_error(config_dir: Path) -> None:
    write_local(config_dir, "MAX_LOGIN_ATTEMPTS = 3\nMAX_LOGIN_ATTEMPT = 3\n")
    with pytest.raises(ConfigError) as info:
        load(config_dir)
    assert re.search(r"\bMAX_LOGIN_ATTEMPT\b", str(info.value)), str(info.value)


def test_broken_config_local_names_the_file(config_dir: Path) -> None:
    path = write_local(config_dir, "MAX_LOGIN_ATTEMPTS = = 3\n")
    with pytest.raises(ConfigError) as info:
        load(config_dir)
    assert str(path) in str(info.value)


# --- derived paths --------------------------------------------------------------------------------

def test_derived_paths_follow_data_dir(config_dir: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "somewhere" / "data"
    settings = load(config_dir, {"PGADMIN_LITE_DATA_DIR": str(data_dir)})
    assert settings["DATA_DIR"] == str(data_dir)
    for name, leaf in DERIVED.items():
        assert settings[name] == str(data_dir / leaf), name
    assert Path(settings["SECRET_KEY_FILE"]).parent == data_dir


def test_derived_path_set_explicitly_is_kept(config_dir: Path, tmp_path: Path) -> None:
    write_local(config_dir, f"SQLITE_PATH = {str(tmp_path / 'db' / 'config.db')!r}\n")
    settings = load(config_dir, {"PGADMIN_LITE_DATA_DIR": str(tmp_path / "d"),
                                 "PGADMIN_LITE_LOG_FILE": str(tmp_path / "log" / "x.log")})
    assert settings["SQLITE_PATH"] == str(tmp_path / "db" / "config.db")
    assert settings["LOG_FILE"] == str(tmp_path / "log" / "x.log")
    assert settings["SESSION_DB_PATH"] == str(tmp_path / "d" / "sessions.db")
    assert settings["STORAGE_DIR"] == str(tmp_path / "d" / "storage")


def test_default_data_dir_is_beside_config_py(config_dir: Path) -> None:
    settings = load(config_dir)
    assert settings["DATA_DIR"] == str(config_dir / "data")
    assert settings["SQLITE_PATH"] == str(config_dir / "data" / "pgadmin_lite.db")


# --- the shipped example ----------------------------------------------------------------------

def test_config_local_example_loads_cleanly(config_dir: Path) -> None:
    shutil.copy(EXAMPLE, config_dir / "config_local.py")
    settings = load(config_dir)
    assert settings["DATA_DIR"] == "/var/lib/pgadmin_lite"
    assert settings["LOG_FILE"].startswith("/var/log/pgadmin_lite/")
    for name in ("SQLITE_PATH", "SESSION_DB_PATH", "STORAGE_DIR"):
        assert settings[name].startswith("/var/lib/pgadmin_lite/"), name
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "/var/lib/pgadmin_lite" in text
    assert "/var/log/pgadmin_lite" in text
