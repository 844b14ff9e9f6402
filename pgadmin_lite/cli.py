"""The click group behind setup_db.py: config DB set-up and user administration without the web server."""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import IO, Any

import click
from flask import Flask

from pgadmin_lite import create_app, settings
from pgadmin_lite.audit.commands import audit_export
from pgadmin_lite.audit.log import record
from pgadmin_lite.auth import lockout
from pgadmin_lite.auth.ldap_sync import add_person, sync
from pgadmin_lite.auth.lockout import LockoutPolicy
from pgadmin_lite.auth.revocation import revoke_user_access
from pgadmin_lite.auth.service import locked_until
from pgadmin_lite.auth.sources import ldap_settings
from pgadmin_lite.configdb import MIGRATIONS_DIR, check_schema, upgrade_schema
from pgadmin_lite.directories import ensure_directories
from pgadmin_lite.errors import AppError, ConfigError
from pgadmin_lite.keyfiles import create_key_file
from pgadmin_lite.models import User
from pgadmin_lite.servers import current_policy, servers_import, servers_json
from pgadmin_lite.servers.user_files import read_user_file
from pgadmin_lite.users import service

OWNED_FILES = ("SQLITE_PATH", "SESSION_DB_PATH", "SECRET_KEY_FILE", "CREDENTIALS_KEY_FILE", "LOG_FILE")


@contextmanager
def app_context(*, require_schema: bool = True) -> Iterator[Flask]:
    """An app context for a command; configuration and domain errors become clean CLI errors."""
    try:
        app = create_app(require_schema=require_schema)
        with app.app_context():
            yield app
    except (ConfigError, AppError) as exc:
        raise click.ClickException(getattr(exc, "message", str(exc))) from exc


def read_password(from_stdin: bool, env_name: str | None = None) -> str | None:
    """A password from stdin or an environment variable, never from argv."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if env_name:
        return os.environ.get(env_name) or None
    return None


@click.group()
def cli() -> None:
    """Administer pgadmin_lite's config database and users."""


def _audit(action: str, user: User, **details: object) -> None:
    """An administrative change made here is audited like one made on the web, by the OS user who ran it."""
    record(action, target=f"user:{user.id}", details={"email": user.email, **details, "via": "setup_db.py",
                                                      "os_user": getpass.getuser()})


def _chown_paths(config: dict[str, object]) -> list[str]:
    """DATA_DIR, plus any configured path that lies outside it."""
    data_dir = Path(str(config["DATA_DIR"]))
    paths = [data_dir, Path(str(config["STORAGE_DIR"]))]
    paths += [Path(str(config[name])) for name in OWNED_FILES if Path(str(config[name])).exists()]
    outside = [p for p in paths[1:] if not p.is_relative_to(data_dir)]
    return list(dict.fromkeys(str(p) for p in [data_dir, *outside]))


def _hand_over(config: dict[str, object], owner: str | None) -> None:
    """As root, give the created files to the web server's user, or say how to."""
    if os.geteuid() != 0:
        return
    paths = _chown_paths(config)
    if owner is None:
        click.echo("Running as root: hand the files to the web server's user, e.g.\n"
                   f"  chown -R www-data: {' '.join(paths)}\n(or run setup-db again with --owner USER)")
        return
    for path in paths:
        for root, dirs, files in os.walk(path) if os.path.isdir(path) else [(path, [], [])]:
            for target in [root, *(os.path.join(root, name) for name in dirs + files)]:
                with contextlib.suppress(FileNotFoundError):  # SQLite's -wal/-shm come and go
                    shutil.chown(target, owner)
    click.echo(f"Handed {', '.join(paths)} to {owner}.")


def _one_time_password_line(email: str, password: str) -> str:
    """How a generated password is shown: once, on its own, as the last thing a command prints."""
    return f"Log in as {email} with password: {password}\n(shown once; change it after logging in)"


def _first_admin_credentials(email: str | None, password_stdin: bool,
                             random_password: bool) -> tuple[str, str, bool]:
    """(email, password, whether we generated the password) from the options, the environment or a TTY."""
    email = email or os.environ.get("PGADMIN_LITE_SETUP_EMAIL")
    password = read_password(password_stdin) if password_stdin else os.environ.get("PGADMIN_LITE_SETUP_PASSWORD")
    interactive = sys.stdin.isatty()
    if not email:
        if not interactive:
            raise click.ClickException("No administrator email: pass --email or set PGADMIN_LITE_SETUP_EMAIL.")
        email = click.prompt("Email address of the first administrator")
    if not password and random_password:
        return email, secrets.token_urlsafe(12), True
    if not password:
        if not interactive:
            raise click.ClickException("No administrator password: use --password-stdin, "
                                       "PGADMIN_LITE_SETUP_PASSWORD or --random-password.")
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return email, password, False


@cli.command("setup-db")
@click.option("--email", help="Email of the first administrator (or PGADMIN_LITE_SETUP_EMAIL).")
@click.option("--password-stdin", is_flag=True, help="Read the administrator's password from stdin.")
@click.option("--random-password", is_flag=True, help="Generate the administrator's password and print it once.")
@click.option("--owner", help="As root: hand the created files to this OS user (the web server's).")
def setup_db(email: str | None, password_stdin: bool, random_password: bool, owner: str | None) -> None:
    """Create or upgrade the config DB and create the first administrator (idempotent)."""
    config, shown_once = _set_up(email, password_stdin, random_password)
    _hand_over(config, owner)
    if shown_once:
        click.echo(shown_once)


def _set_up(email: str | None, password_stdin: bool, random_password: bool) -> tuple[dict[str, Any], str | None]:
    """setup-db's work: (the settings, the generated password's line for the caller to print last, or None)."""
    shown_once = None
    try:
        config = settings.load_settings()
        ensure_directories(config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if create_key_file(config["SECRET_KEY_FILE"]):
        click.echo(f"Wrote a new secret key to {config['SECRET_KEY_FILE']}.")
    create_key_file(config["CREDENTIALS_KEY_FILE"])
    with app_context(require_schema=False) as app:
        check_schema(app, allow_upgrade=True)  # a newer schema: say so, not "Can't locate revision"
        upgrade_schema(app)
        if service.list_users():
            click.echo("The config database is up to date; users already exist, none was added.")
        else:
            address, password, generated = _first_admin_credentials(email, password_stdin, random_password)
            user = service.create_user(address, password, is_admin=True,
                                       min_length=app.config["PASSWORD_LENGTH_MIN"])
            click.echo(f"Created administrator {user.email}.")
            shown_once = _one_time_password_line(user.email, password) if generated else None
    return config, shown_once


@cli.command("add-user")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (else prompt on a TTY).")
def add_user(email: str, admin: bool, password_stdin: bool) -> None:
    """Add a console user."""
    with app_context() as app:
        password = read_password(password_stdin)
        if password is None:
            if not sys.stdin.isatty():
                raise click.ClickException("No password: use --password-stdin.")
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        user = service.create_user(email, password, is_admin=admin, min_length=app.config["PASSWORD_LENGTH_MIN"])
        _audit("user.create", user, is_admin=user.is_admin)
        click.echo(f"Added {'administrator' if user.is_admin else 'user'} {user.email} (id {user.id}).")


@cli.command("update-user")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Set a new password read from stdin.")
@click.option("--random-password", is_flag=True, help="Set a generated password and print it once (a lost password).")
@click.option("--admin/--no-admin", default=None, help="Grant or remove administrator rights.")
@click.option("--active/--inactive", default=None, help="Allow or forbid logging in.")
@click.option("--unlock", is_flag=True,
              help="Clear the lockout after failed logins: the counts of every address and the account-wide one.")
def update_user(email: str, password_stdin: bool, random_password: bool, admin: bool | None, active: bool | None,
                unlock: bool) -> None:
    """Change a user's password, role, active flag or lockout."""
    if password_stdin and random_password:
        raise click.UsageError("Use either --password-stdin or --random-password.")
    with app_context() as app:
        user = service.find_by_email(email)
        generated = secrets.token_urlsafe(12) if random_password else None
        password = generated or read_password(password_stdin)
        until = locked_until(user.email, lockout.policy(app)) if unlock else None
        service.update_user(user, revoke=partial(revoke_user_access, app), is_admin=admin, active=active,
                            password=password, unlock=unlock, force_change=False,
                            min_length=app.config["PASSWORD_LENGTH_MIN"])
        changed = {name: value for name, value in (("is_admin", admin), ("is_active", active)) if value is not None}
        _audit("user.update", user, **changed, **({"unlock": True} if unlock else {}),
               password_reset=password is not None)
        click.echo(f"Updated {user.email}.")
        if unlock:
            state = f"it was locked until {until:%Y-%m-%d %H:%M} UTC" if until else "it was not locked"
            click.echo(f"Cleared its failed logins from every address and account-wide ({state}).")
        if generated:
            click.echo(_one_time_password_line(user.email, generated))


@cli.command("delete-user")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_user(email: str, yes: bool) -> None:
    """Delete a user and revoke their sessions."""
    with app_context() as app:
        user = service.find_by_email(email)
        if not yes:
            if not sys.stdin.isatty():
                raise click.ClickException("Refusing to delete without confirmation: add --yes.")
            click.confirm(f"Delete {user.email}?", abort=True)
        user_id = user.id
        service.delete_user(user, revoke=partial(revoke_user_access, app))
        record("user.delete", target=f"user:{user_id}", details={"email": email, "via": "setup_db.py",
                                                                  "os_user": getpass.getuser()})
        click.echo(f"Deleted {email}.")


def _user_row(user: User, policy: LockoutPolicy) -> dict[str, object]:
    row = user.to_dict()
    until = locked_until(user.email, policy)
    row["locked_until"] = until.isoformat() if until else None
    return row


@cli.command("get-users")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def get_users(as_json: bool) -> None:
    """List users."""
    with app_context() as app:
        rows = [_user_row(user, lockout.policy(app)) for user in service.list_users()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'ID':>4}  {'EMAIL':<40} {'ROLE':<6} {'ACTIVE':<6} LOCKED UNTIL")
    for row in rows:
        click.echo(f"{row['id']:>4}  {row['email']:<40} {'admin' if row['is_admin'] else 'user':<6} "
                   f"{'yes' if row['is_active'] else 'no':<6} {row['locked_until'] or '-'}")


@cli.command("sync-ldap")
def sync_ldap() -> None:
    """Check every LDAP user against the directory: gone or disabled there -> deactivated here, sessions revoked."""
    with app_context() as app:
        report = sync(app, ldap_settings(app))
        click.echo(f"Checked {report.checked} LDAP user(s); deactivated {len(report.deactivated)}"
                   f"{': ' + ', '.join(report.deactivated) if report.deactivated else ''}.")
        for problem in report.problems:
            click.echo(f"Not refreshed: {problem}", err=True)


@cli.command("add-ldap-user")
@click.argument("username")
def add_ldap_user(username: str) -> None:
    """Create the account of a directory person before their first login (LDAP_AUTO_CREATE_USERS off)."""
    with app_context() as app:
        user = add_person(ldap_settings(app), username)
        click.echo(f"Added LDAP user {user.email} (id {user.id}, {user.external_id}).")


@cli.command("load-servers")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--user", "email", required=True, help="Email of the user who will own the servers.")
@click.option("--replace", is_flag=True, help="First delete the user's own non-shared servers (same transaction).")
def load_servers(file: IO[str], email: str, replace: bool) -> None:
    """Import servers from a pgAdmin servers.json file (FILE or - for stdin); passwords are never imported."""
    text = file.read()
    with app_context():
        user = service.find_by_email(email)
        address = user.email
        parsed = servers_json.parse_servers_file(text, policy=current_policy(), may_share=user.is_admin,
                                                 source=file.name)
        mode = servers_import.Mode.REPLACE_ALL if replace else servers_import.Mode.ADD
        plans = servers_import.plan_import(user, parsed, lambda path: read_user_file(user, path), mode=mode,
                                           source=file.name)
        servers_import.apply_import(user, plans, mode=mode)
        record("servers.import", target=f"user:{user.id}", details={
            "owner": user.email, "added": len(plans), "replace": replace, "source": file.name, "via": "setup_db.py",
            "os_user": getpass.getuser()})
    warnings = [*parsed.warnings, *(item["message"] for plan in plans for item in plan.missing_files)]
    for warning in warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(f"Loaded {len(plans)} servers for {address}")


@cli.command("dump-servers")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--user", "email", required=True, help="Email of the user whose servers are exported.")
def dump_servers(file: str, email: str) -> None:
    """Export a user's own servers as a pgAdmin servers.json file (FILE or - for stdout), without passwords."""
    with app_context():
        user = service.find_by_email(email)
        address = user.email
        document = servers_json.dump_servers(user)
    text = json.dumps(document, indent=4) + "\n"
    if file == "-":
        click.echo(text, nl=False)
    else:
        Path(file).write_text(text, encoding="utf-8")
    click.echo(f"Dumped {len(document['Servers'])} servers for {address} to {file}", err=file == "-")


@cli.command("doctor")
@click.option("--as-user", "as_user", help="The OS user the web server runs as (default: the current user).")
def doctor(as_user: str | None) -> None:
    """Check data directories, key files, the config DB schema and storage roots; exit 1 if something must be fixed."""
    from pgadmin_lite.doctor import Account, run_doctor

    try:
        config = settings.load_settings()
        findings = run_doctor(config, Account.named(as_user))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    for finding in findings:
        click.echo(finding.line())
    errors = sum(finding.level == "error" for finding in findings)
    warnings = sum(finding.level == "warn" for finding in findings)
    click.echo(f"doctor: {errors} problem(s) to fix, {warnings} warning(s)." if errors or warnings
               else "doctor: everything looks right.")
    if errors:
        raise SystemExit(1)


@cli.command("serve")
@click.option("--bind", help="host:port or unix:PATH (default DEFAULT_SERVER:DEFAULT_SERVER_PORT).")
@click.option("--setup-admin", "setup_admin", metavar="EMAIL",
              help="First run setup-db with EMAIL as the first administrator (a random password, shown last).")
def serve(bind: str | None, setup_admin: str | None) -> None:
    """Serve the console with Gunicorn (1 worker, 25 threads), plus the demo cluster when DEMO_CLUSTER is on."""
    from pgadmin_lite.demo import register_demo_server, start_demo_cluster

    shown_once = _set_up(setup_admin, False, True)[1] if setup_admin else None  # we serve: no hand-over
    with app_context() as app:
        config = dict(app.config)
    demo = None
    if config["DEMO_CLUSTER"]:
        demo, message = start_demo_cluster(config)
        click.echo(message)
        if demo is not None:
            owner = register_demo_server(create_app(), demo)
            click.echo(f'Registered it as "Local demo" for {owner}.')
    bind = bind or f"{config['DEFAULT_SERVER']}:{config['DEFAULT_SERVER_PORT']}"
    access_log = _access_log(config)
    click.echo(f"Serving pgadmin_lite on http://{bind}/ (Ctrl-C stops it"
               f"{'' if access_log == '-' else f'; access log: {access_log}'}).")
    if shown_once:
        click.echo(shown_once)  # last, so that nothing scrolls it away (Gunicorn logs at CONSOLE_LOG_LEVEL)
    try:
        status = _run_gunicorn(bind, access_log, config["CONSOLE_LOG_LEVEL"])
    finally:
        if demo is not None:
            demo.stop(mode="fast")
            click.echo("Demo PostgreSQL stopped.")
    if status != 0:
        raise click.ClickException(f"Gunicorn exited with status {status}. If {bind} is taken, choose another port: "
                                   f"PGADMIN_LITE_DEFAULT_SERVER_PORT=8080 make run, or serve --bind.")


def _access_log(config: dict[str, object]) -> str:
    """Gunicorn's access log: the console when CONSOLE_LOG_LEVEL shows INFO, else a file beside LOG_FILE."""
    if logging.getLevelName(str(config["CONSOLE_LOG_LEVEL"]).upper()) <= logging.INFO:
        return "-"
    return str(Path(str(config["LOG_FILE"])).with_name("access.log"))


def _run_gunicorn(bind: str, access_log: str, log_level: str) -> int:
    """Run Gunicorn as a child with the shipped config; Ctrl-C and SIGTERM to us stop it cleanly. Its exit status."""
    conf = Path(MIGRATIONS_DIR).parent / "deploy" / "gunicorn" / "gunicorn.conf.py"
    argv = [sys.executable, "-m", "gunicorn", "-c", str(conf), "--access-logfile", access_log,
            "--log-level", log_level.lower(), "pgadmin_lite.wsgi:app"]
    # PYTHONOPTIMIZE=2 as the deploy/ configs set it: no docstrings or asserts, about 5 MiB less memory.
    child = subprocess.Popen(argv, env={"PYTHONOPTIMIZE": "2", **os.environ, "PGADMIN_LITE_BIND": bind})
    forward = {signum: signal.signal(signum, lambda signum, _: child.send_signal(signum))
               for signum in (signal.SIGINT, signal.SIGTERM)}  # Gunicorn shuts down cleanly on either
    try:
        return child.wait()
    finally:
        for signum, previous in forward.items():
            signal.signal(signum, previous)


cli.add_command(audit_export)
