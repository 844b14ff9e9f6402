"""Job building blocks without PostgreSQL: request checks, argv lists, passfile, log, programs, interpreter,
process identity, settings."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from psycopg.conninfo import conninfo_to_dict

from pgadmin_lite.errors import BadRequest, ClientProgramMissing, ConfigError, InterpreterUnavailable
from pgadmin_lite.jobs import commands, interpreter, jobfiles, procs, settings_from
from pgadmin_lite.jobs.binaries import find_program, server_major
from pgadmin_lite.jobs.options import parse_request
from pgadmin_lite.jobs.progress import LineCounter, Progress, count_list_entries
from pgadmin_lite.jobs.worker import main as worker_main
from pgadmin_lite.settings import load_settings

HOSTILE = ["--help", "-f/etc/passwd", "x host=elsewhere", "we\"ird 'db' name", "a\\b", "*.?"]


def test_no_password_of_any_kind_reaches_a_command_line_or_its_log() -> None:
    """sslpassword (an encrypted client key's) is a secret too: never in the conninfo, masked in logged text."""
    conn = commands.conninfo({"host": "h", "user": "u", "password": "p1", "sslpassword": "p2", "passfile": "/x",
                              "sslkey": "/k"})
    assert conninfo_to_dict(conn) == {"host": "h", "user": "u", "sslkey": "/k"}
    masked = commands.mask_secrets("pg_dump --dbname='host=h sslpassword=p2 password=p1'")
    assert "p1" not in masked and "p2" not in masked and masked.count(commands.MASK) == 2


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_database_name_stays_one_quoted_value(name: str) -> None:
    conn = commands.conninfo({"host": "127.0.0.1", "port": 5432, "user": "u", "password": "secret",
                              "passfile": "/x", "sslmode": "prefer"}, dbname=name)
    options = {"format": "custom", "tables": [{"schema": "s", "name": name}]}
    argv = commands.backup_argv("/usr/bin/pg_dump", conn, options, out_fd=7)
    assert argv[0] == "/usr/bin/pg_dump" and argv[-1] == f"--dbname={conn}"
    assert all(arg.startswith("--") for arg in argv[1:])  # every value attached to its option: no positional
    assert conninfo_to_dict(conn) == {"host": "127.0.0.1", "port": "5432", "user": "u", "sslmode": "prefer",
                                      "dbname": name}
    assert "secret" not in " ".join(argv)
    assert f"--table=\"s\".\"{name.replace(chr(34), chr(34) * 2)}\"" in argv


def test_globals_and_restore_argv() -> None:
    argv = commands.globals_argv("/bin/pg_dumpall", "host=h", "-l x host=evil")
    assert argv[-1] == "--database=dbname='-l x host=evil'"  # pg_dumpall expands it: it must be a quoted conninfo
    restore = commands.restore_argv("/bin/pg_restore", "dbname=d", {"clean": True, "no_owner": True}, dir_fd=9)
    assert restore[-2:] == ["--", "/proc/self/fd/9"] and "--if-exists" in restore
    assert commands.restore_argv("/bin/pg_restore", "dbname=d", {}, None)[-1] == "--dbname=dbname=d"
    assert commands.backup_argv("/p", "c", {"format": "directory"}, 12)[4] == "--file=/proc/self/fd/12"


@pytest.mark.parametrize(("arg", "shown"), [
    ("--dbname=host=h password=s3cret user=u", "'--dbname=host=h password=******** user=u'"),
    ("--dbname=host=h PASSWORD = 'it\\'s \\\\ x' user=u", "'--dbname=host=h PASSWORD = ******** user=u'"),
    ("--dbname=postgresql://u:s3cret@h:5432/d", "'--dbname=postgresql://u:********@h:5432/d'"),
    ("--dbname=postgresql://h/d?password=s3cret", "'--dbname=postgresql://h/d?password=********'"),
])
def test_the_command_line_masks_any_password(arg: str, shown: str) -> None:
    assert commands.command_line(["/usr/bin/pg_dump", "--verbose", arg]) == f"/usr/bin/pg_dump --verbose {shown}"


def test_the_command_line_is_the_argv_shell_quoted() -> None:
    conn = commands.conninfo({"host": "h", "dbname": "my db", "password": "s3cret"})
    options = {"format": "custom", "tables": [{"schema": "s", "name": "t"}]}
    argv = commands.backup_argv("/usr/lib/postgresql/15/bin/pg_dump", conn, options, 3)
    line = commands.command_line(argv)
    assert shlex.split(line) == argv and "s3cret" not in line
    assert "'--table=\"s\".\"t\"'" in line
    assert commands.describe_argv(argv).startswith("pg_dump --verbose")


@pytest.mark.parametrize(("body", "message"), [
    ({"kind": "backup", "server_id": "1", "database": "d"}, "server_id must be an integer"),
    ({"kind": "backup", "server_id": 1}, "database is required"),
    ({"kind": "backup", "server_id": 1, "database": "d", "tables": [{"name": "t", "x": 1}]}, "tables[0]"),
    ({"kind": "maintenance", "server_id": 1, "database": "d", "operation": "vacuum", "schema": "s"},
     "table is required"),
    ({"kind": "maintenance", "server_id": 1, "database": "d", "operation": "vacuum", "index": "i", "table": "t"},
     "cluster on a table"),
    ({"kind": "export", "server_id": 1, "database": "d", "table": "t", "delimiter": '"'}, "must differ"),
    ({"kind": "export", "server_id": 1, "database": "d", "table": "t", "encoding": "utf8; drop"}, "encoding"),
    ({"kind": "import", "server_id": 1, "database": "d", "table": "t", "input_path": "a", "null": "a\nb"}, "null"),
])
def test_bad_requests(body: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRequest, match=message.replace("[", r"\[")):
        parse_request(body)


def test_a_good_request_is_normalised() -> None:
    request = parse_request({"kind": "backup", "server_id": 3, "database": "d", "format": "plain",
                             "tables": [{"name": "t"}], "output_path": "/a/b.sql", "password": "pw"})
    assert request.options["tables"] == [{"schema": "public", "name": "t"}]
    assert request.output_root == "home" and request.password == "pw" and "password" not in request.options
    globals_request = parse_request({"kind": "backup_globals", "server_id": 3})
    assert globals_request.database is None and globals_request.options == {}


def test_passfile_escapes_and_is_private(tmp_path: Path) -> None:
    assert jobfiles.passfile_line("a:b\\c") == "*:*:*:*:a\\:b\\\\c\n"
    path = jobfiles.write_passfile(tmp_path, "pw")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(FileExistsError):
        jobfiles.write_passfile(tmp_path, "again")
    jobfiles.remove_passfile(tmp_path)
    assert not path.exists()


def test_log_keeps_the_last_lines(tmp_path: Path) -> None:
    log = jobfiles.LogWriter(tmp_path, max_bytes=8192)
    for i in range(1000):
        log.line(f"line {i:04d}")
    log.close()
    assert (tmp_path / jobfiles.LOG).stat().st_size <= 4096 and (tmp_path / jobfiles.OLD_LOG).exists()
    text, is_truncated = jobfiles.read_log_tail(tmp_path, 2000)
    assert is_truncated and text.rstrip().endswith("line 0999") and text.split(" ")[1] != ""
    assert len(text.encode()) <= 2000 and text.count("\n") == len(text.splitlines())


def test_progress_counts_work_lines_and_keeps_the_error() -> None:
    progress = Progress(unit="tables", total=2)
    counter = LineCounter("pg_dump", progress)
    for line in ['pg_dump: reading schemas', 'pg_dump: dumping contents of table "public.a"',
                 'pg_dump: error: query failed: ERROR:  permission denied for table b']:
        counter.feed(line)
    assert progress.percent() == 50.0 and "permission denied" in counter.last_error
    progress.is_finished = True
    assert progress.to_dict()["percent"] == 100.0
    assert count_list_entries(";\n; Archive\n3; 2615 2200 SCHEMA - public\n4; 0 0 COMMENT - x\n") == 2


def _fake_program(directory: Path, name: str, version: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f"#!{sys.executable}\nprint('{name} (PostgreSQL) {version}')\n")
    path.chmod(0o755)


def test_client_programs_by_server_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    base = tmp_path / "debian"
    _fake_program(base / "14" / "bin", "pg_dump", "14.9")
    _fake_program(tmp_path / "path", "pg_dump", "13.2")
    with pytest.raises(ClientProgramMissing, match="pg_dump 15 or newer is needed") as refused:
        find_program("pg_dump", (15,), (), base=base)
    assert "postgresql-client-15" in (refused.value.hint or "") and "13" in refused.value.message
    with pytest.raises(ClientProgramMissing, match="No pg_restore for PostgreSQL 15"):
        find_program("pg_restore", (15,), (), base=base)
    _fake_program(tmp_path / "extra", "pg_dump", "15.4")
    assert find_program("pg_dump", (15,), [str(tmp_path / "extra")], base=base).path == str(tmp_path / "extra/pg_dump")
    _fake_program(base / "16" / "bin", "pg_dump", "16.1")  # a newer major dumps an older server
    assert find_program("pg_dump", (15,), (), base=base).major == (16,)
    assert find_program("pg_dump", (14,), (), base=base).path == str(base / "14/bin/pg_dump")  # exact major first
    assert server_major(150004) == (15,) and server_major(90624) == (9, 6)


@pytest.mark.parametrize("exe", ["/usr/bin/uwsgi", "/usr/sbin/apache2", "/usr/sbin/httpd", "/bin/true", "", "python3"])
def test_a_host_binary_is_not_python(exe: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", exe)
    with pytest.raises(InterpreterUnavailable, match="PYTHON_EXECUTABLE") as refused:
        interpreter.resolve_interpreter("")
    assert "py-sys-executable" in (refused.value.hint or "")


def test_the_interpreter_setting_and_a_real_python(tmp_path: Path) -> None:
    assert interpreter.resolve_interpreter("") == sys.executable
    assert interpreter.resolve_interpreter(sys.executable) == sys.executable
    with pytest.raises(InterpreterUnavailable, match="not an executable file"):
        interpreter.resolve_interpreter("bin/python")
    _fake_program(tmp_path, "python3", "0")  # a "python" that cannot import the worker
    (tmp_path / "python3").write_text("#!/bin/false\n")
    with pytest.raises(InterpreterUnavailable, match=r"cannot run pgadmin_lite's job worker|could not be run"):
        interpreter.resolve_interpreter(str(tmp_path / "python3"))


def test_worker_env_leaves_secrets_and_libpq_defaults_behind() -> None:
    env = interpreter.worker_env({"PATH": "/bin", "PGPASSWORD": "x", "PGHOST": "h", "LC_ALL": "C",
                                  "PGADMIN_LITE_CREDENTIALS_KEY": "k"})
    assert env["PATH"] == "/bin" and env["LC_ALL"] == "C" and "PYTHONPATH" in env
    assert not {"PGPASSWORD", "PGHOST", "PGADMIN_LITE_CREDENTIALS_KEY"} & set(env)


def test_process_identity_and_session_kill() -> None:
    child = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        ident = procs.process_ident(child.pid)
        assert procs.is_same_process(child.pid, ident)
        assert not procs.is_same_process(child.pid, f"{procs.boot_id()}:1")
        assert procs.session_members(child.pid, ident) == [child.pid]
        assert procs.session_members(child.pid, "another-boot:1") == []
        assert procs.signal_session(child.pid, ident, signal.SIGKILL) == [child.pid]
        child.wait(5)
        assert not procs.is_same_process(child.pid, ident)
    finally:
        child.kill()
        child.wait()


def test_job_settings_are_checked_at_start(tmp_path: Path) -> None:
    config = load_settings(overrides={"DATA_DIR": str(tmp_path)})
    assert settings_from(config).jobs_dir == tmp_path / "jobs"
    for name, value in [("PG_BIN_DIRS", ["relative/bin"]), ("MAX_JOBS", 0), ("JOB_CANCEL_GRACE", -1),
                        ("PYTHON_EXECUTABLE", "python3")]:
        with pytest.raises(ConfigError, match=name):
            settings_from({**config, name: value})


def test_worker_needs_a_job_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert worker_main(["worker"]) == 2
    assert worker_main(["worker", str(tmp_path)]) == 2
    assert "spec.json" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []
