"""Start each deployment shape from the shipped files in deploy/ (paths and ports substituted), and stop it.

A shape is a front server (NGINX or Apache) and/or an app server (Gunicorn or uWSGI). Only the minimal
server-wide wrapper that Debian's /etc/nginx/nginx.conf or /etc/apache2/apache2.conf would provide is
written here; the site/vhost, ini and gunicorn.conf.py files are the shipped ones.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.deploy.shipped import ROOT, Site, chown_tree, open_scratch_dir, render
from tests.plugins.app_fixtures import prepare_data_dir
from tests.plugins.live_server import LiveServer, port_accepts, start_gunicorn, start_process
from tests.plugins.postgres_fixture import free_port

PREFIX = "/pgadmin4"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
APACHE = shutil.which("apache2") or "/usr/sbin/apache2"
APACHE_MODULES = Path("/usr/lib/apache2/modules")
DEBIAN_PYTHON = "/usr/bin/python3"
WEB_USER = "www-data"
APACHE_VENV_ROOT = Path("/var/tmp")


@dataclass
class Deployment:
    """A running shape: where a browser reaches the console, and every process behind it."""

    shape: str
    base_url: str
    prefix: str
    data_dir: Path
    servers: list[LiveServer] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.base_url + self.prefix

    def log(self) -> str:
        return "\n".join(f"--- {s.name}: {s.log_path} ---\n{s.log()}" for s in self.servers)

    def stop(self) -> None:
        """Front first, then the app server; each one's process group is gone afterwards."""
        for server in self.servers:
            server.stop()


# --- skips with the install command --------------------------------------------------------


def need_binary(path: str, install: str) -> None:
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.skip(f"{path} is missing: {install}")


def uwsgi_binary() -> str:
    path = str(Path(sys.executable).with_name("uwsgi"))
    need_binary(path, "pip install uwsgi (it is in the test extra: pip install -e '.[test]')")
    return path


def need_root(why: str) -> None:
    if os.geteuid() != 0:
        pytest.skip(f"root privileges missing (CI runs as root): {why}")


# --- app servers ---------------------------------------------------------------------------


def app_env(data_dir: Path) -> dict[str, str]:
    """The test process's environment with this deployment's DATA_DIR (as config_local.py would set it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGADMIN_LITE_")}
    return {**env, "PGADMIN_LITE_DATA_DIR": str(data_dir)}


def start_uwsgi(ini: str, site: Site, scratch: Path, logs: Path, *, url: str, ready_path: str,
                extra_args: tuple[str, ...] = (), watch: tuple[LiveServer, ...] = (),
                probe: Callable[[], bool] | None = None) -> LiveServer:
    """uwsgi --ini <rendered shipped ini> (+ extra_args, e.g. a deliberate misdeployment)."""
    binary = uwsgi_binary()
    rendered = render(f"uwsgi/{ini}", site, scratch / "conf")
    return start_process([binary, "--ini", str(rendered), *extra_args], url, logs / f"uwsgi-{ini}.log",
                         site.data_dir, env=app_env(site.data_dir), ready_path=ready_path, name="uwsgi",
                         watch=watch, timeout=60, probe=probe)


# --- NGINX ---------------------------------------------------------------------------------


def start_nginx(site_conf: str, site: Site, scratch: Path, logs: Path) -> LiveServer:
    """A private NGINX (foreground, its own pid/temp/log paths) whose http{} includes the rendered shipped site."""
    need_binary(NGINX, "apt-get install nginx")
    conf_dir = scratch / "nginx"
    temp = scratch / "nginx-temp"
    for name in ("body", "proxy", "uwsgi", "fastcgi", "scgi"):
        (temp / name).mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        chown_tree(temp, WEB_USER)
    rendered = render(f"nginx/{site_conf}", site, conf_dir)
    for shared in ("mime.types", "uwsgi_params"):  # what a distribution's /etc/nginx holds beside nginx.conf
        shutil.copy(Path("/etc/nginx") / shared, conf_dir / shared)
    error_log = logs / f"nginx-{site_conf}.error.log"
    wrapper = conf_dir / "nginx.conf"
    user = f"user {WEB_USER};" if os.geteuid() == 0 else ""
    wrapper.write_text(f"""\
{user}
worker_processes 1;
pid {scratch}/nginx.pid;
error_log {error_log} info;
events {{ worker_connections 256; }}
http {{
    include mime.types;
    default_type application/octet-stream;
    access_log {logs}/nginx-{site_conf}.access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    uwsgi_temp_path {temp}/uwsgi;
    fastcgi_temp_path {temp}/fastcgi;
    scgi_temp_path {temp}/scgi;
    include {rendered};
}}
""")
    argv = [NGINX, "-c", str(wrapper), "-p", str(conf_dir), "-e", str(error_log), "-g", "daemon off;"]
    test = subprocess.run([*argv[:-2], "-t"], capture_output=True, text=True, check=False)
    assert test.returncode == 0, f"nginx -t refused {rendered}:\n{test.stderr}"
    server = start_process(argv, f"http://127.0.0.1:{site.public_port}", error_log, site.data_dir,
                           env=dict(os.environ), name="nginx", probe=port_accepts(site.public_port or 0))
    return server


# --- Apache + mod_wsgi -----------------------------------------------------------------------


def apache_venv() -> Path:
    """A virtualenv of Debian's python3 (the one mod_wsgi is built for) with the project's dependencies.

    It lives outside /root (mode 700: www-data could not read pyenv's Python) and is cached by a hash of
    pyproject.toml's dependencies, so only the first run pays for it.
    """
    need_binary(DEBIAN_PYTHON, "apt-get install python3 python3-venv")
    has_venv = subprocess.run([DEBIAN_PYTHON, "-c", "import ensurepip, venv"], capture_output=True, check=False)
    if has_venv.returncode != 0:
        pytest.skip("Debian's python3 cannot make a virtualenv: apt-get install python3-venv")
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    version = subprocess.run([DEBIAN_PYTHON, "-c", "import sys; print(sys.version)"], capture_output=True,
                             text=True, check=True).stdout
    key = hashlib.sha256(json.dumps([deps, version]).encode()).hexdigest()[:12]
    venv = APACHE_VENV_ROOT / f"pgadmin_lite-apache-venv-{key}"
    with open(APACHE_VENV_ROOT / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test session may be building the same one
        if not (venv / ".complete").exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([DEBIAN_PYTHON, "-m", "venv", str(venv)], check=True, capture_output=True)
            pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                                  "--disable-pip-version-check", *deps], capture_output=True, text=True, check=False)
            assert pip.returncode == 0, f"pip install into {venv} failed:\n{pip.stdout}\n{pip.stderr}"
            (venv / ".complete").touch()
    return venv


def install_copy(dest: Path) -> Path:
    """What an operator puts in /opt/pgadmin_lite: the package, config.py, migrations and deploy/ (readable by all)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("pgadmin_lite", "migrations", "deploy"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    shutil.copy(ROOT / "config.py", dest / "config.py")
    # What pip does at install time: www-data cannot write __pycache__ into a root-owned tree.
    subprocess.run([DEBIAN_PYTHON, "-m", "compileall", "-q", str(dest)], check=True, capture_output=True)
    return dest


def start_apache(vhost: str, scratch: Path, logs: Path, data_dir: Path, *, extra: str = "") -> LiveServer:
    """Apache (foreground) with Debian's mod_wsgi and the rendered shipped vhost; the app runs as www-data."""
    need_binary(APACHE, "apt-get install apache2 apache2-dev")
    module = APACHE_MODULES / "mod_wsgi.so"
    if not module.exists():
        pytest.skip(f"{module} is missing: apt-get install libapache2-mod-wsgi-py3")
    need_root("Apache starts as root and runs the mod_wsgi daemon as www-data")
    venv = apache_venv()
    install = install_copy(scratch / "install")
    (install / "config_local.py").write_text(f'"""This test site\'s settings."""\n\nDATA_DIR = {str(data_dir)!r}\n')
    chown_tree(data_dir, WEB_USER)
    port = free_port()
    run_dir = scratch / "apache-run"
    run_dir.mkdir()
    site = Site(install, venv, run_dir, data_dir, public_port=port)
    rendered = render(f"apache/{vhost}", site, scratch / "apache")
    text = rendered.read_text()
    if extra:
        text = text.replace("processes=1", extra)
        rendered.write_text(text)
    error_log = logs / f"apache-{vhost}.error.log"
    wrapper = scratch / "apache" / "httpd.conf"
    wrapper.write_text(f"""\
ServerRoot "/etc/apache2"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {run_dir}/httpd.pid
DefaultRuntimeDir {run_dir}
Mutex file:{run_dir} default
ErrorLog {error_log}
LogLevel info
User {WEB_USER}
Group {WEB_USER}
LoadModule mpm_event_module {APACHE_MODULES}/mod_mpm_event.so
LoadModule authz_core_module {APACHE_MODULES}/mod_authz_core.so
LoadModule wsgi_module {module}
CustomLog {logs}/apache-{vhost}.access.log "%h %l %u %t \\"%r\\" %>s %b %D"
WSGISocketPrefix {run_dir}/wsgi
Include {rendered}
""")
    argv = [APACHE, "-f", str(wrapper)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGADMIN_LITE_")}  # config_local.py decides
    test = subprocess.run([*argv, "-t"], capture_output=True, text=True, env=env, check=False)
    assert test.returncode == 0, f"apache2 -t refused {rendered}:\n{test.stderr}"
    prefix = PREFIX if "pgadmin4" in vhost else ""
    return start_process([*argv, "-D", "FOREGROUND"], f"http://127.0.0.1:{port}", error_log, data_dir, env=env,
                         ready_path=f"{prefix}/health", name="apache", timeout=60)


# --- the shapes ------------------------------------------------------------------------------

SHAPES = ("gunicorn", "uwsgi", "uwsgi-pgadmin4", "nginx-gunicorn", "nginx-gunicorn-pgadmin4",
          "nginx-uwsgi", "nginx-uwsgi-pgadmin4", "apache", "apache-pgadmin4")


def _start(shape: str, scratch: Path, logs: Path, data_dir: Path, dep: Deployment) -> None:
    """Start shape's processes into dep.servers (front first), so a failure part-way still stops them."""
    prefix = dep.prefix
    site = Site(ROOT, Path(sys.prefix), scratch / "run", data_dir, app_port=free_port(), public_port=free_port())
    site.run_dir.mkdir(exist_ok=True)
    if shape == "gunicorn":
        dep.servers.append(start_gunicorn(data_dir, logs))
    elif shape.startswith("uwsgi"):
        ini = "pgadmin_lite-pgadmin4.ini" if prefix else "pgadmin_lite.ini"
        dep.servers.append(start_uwsgi(ini, site, scratch, logs, url=f"http://127.0.0.1:{site.app_port}",
                                       ready_path=f"{prefix}/health"))
    elif shape.startswith("nginx"):
        backend = "gunicorn" if "gunicorn" in shape else "uwsgi"
        nginx = start_nginx(f"pgadmin_lite-{backend}{'-pgadmin4' if prefix else ''}.conf", site, scratch, logs)
        dep.servers.append(nginx)
        if backend == "gunicorn":
            dep.servers.append(start_gunicorn(data_dir, logs, bind=f"unix:{site.run_dir}/gunicorn.sock",
                                              url=nginx.url, ready_path=f"{prefix}/health", watch=[nginx]))
        else:
            ini = "pgadmin_lite-socket-pgadmin4.ini" if prefix else "pgadmin_lite-socket.ini"
            dep.servers.append(start_uwsgi(ini, site, scratch, logs, url=nginx.url, ready_path=f"{prefix}/health",
                                           watch=(nginx,)))
    elif shape.startswith("apache"):
        vhost = "pgadmin_lite-pgadmin4.conf" if prefix else "pgadmin_lite.conf"
        dep.servers.append(start_apache(vhost, scratch, logs, data_dir))
    else:
        raise ValueError(shape)
    dep.base_url = dep.servers[0].url


@contextlib.contextmanager
def running(shape: str, logs: Path) -> Iterator[Deployment]:
    """The shape, started on a fresh DATA_DIR; everything stopped (and the scratch dir removed) afterwards."""
    with open_scratch_dir(f"pgadmin_lite-{shape}-") as scratch:
        data_dir = scratch / "data"
        prepare_data_dir(data_dir)
        dep = Deployment(shape, "", PREFIX if shape.endswith("pgadmin4") else "", data_dir)
        started = time.monotonic()
        try:
            _start(shape, scratch, logs, data_dir, dep)
            print(f"\n{shape}: ready in {time.monotonic() - started:.2f} s at {dep.url}/")
            yield dep
        finally:
            dep.stop()
