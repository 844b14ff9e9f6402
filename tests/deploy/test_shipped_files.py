"""The files in deploy/ keep their promises without starting anything: one process, the documented
placeholders only, upload limits that match MAX_UPLOAD_SIZE, and systemd units that systemd accepts."""

from __future__ import annotations

import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.shipped import APACHE_VHOST, APP_ADDRESS, DEPLOY, NGINX_LISTEN, PATH_PLACEHOLDERS, ROOT, Site, render

LINUX_FILES = sorted(p.relative_to(DEPLOY).as_posix() for p in DEPLOY.rglob("*")
                     if p.is_file() and "windows" not in p.name and "__pycache__" not in p.parts
                     and p.name != "README.md")
UWSGI_INIS = sorted(p.name for p in (DEPLOY / "uwsgi").glob("*.ini"))
NGINX_SITES = sorted(p.name for p in (DEPLOY / "nginx").glob("*.conf"))
APACHE_VHOSTS = ["pgadmin_lite.conf", "pgadmin_lite-pgadmin4.conf"]
DEFAULT_UPLOAD = 50 * 1024 * 1024
SIZE = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3, "": 1}


def max_upload_size() -> int:
    """MAX_UPLOAD_SIZE's default (the storage settings may not exist yet: then the documented 50 MiB)."""
    namespace = runpy.run_path(str(ROOT / "config.py"))
    return int(namespace.get("MAX_UPLOAD_SIZE", DEFAULT_UPLOAD))


def ini_options(name: str) -> dict[str, str]:
    options = {}
    for line in (DEPLOY / "uwsgi" / name).read_text().splitlines():
        if "=" in line and not line.lstrip().startswith((";", "#")):
            key, _, value = line.partition("=")
            options[key.strip()] = value.strip()
    return options


@pytest.mark.parametrize("name", LINUX_FILES)
def test_every_file_is_commented_and_renders_with_the_documented_placeholders(name: str, tmp_path: Path) -> None:
    text = (DEPLOY / name).read_text()
    assert re.search(r"^\s*(#|;|\"\"\")", text, re.M), f"deploy/{name} has no comment"
    site = Site(tmp_path / "install", tmp_path / "venv", tmp_path / "run", tmp_path / "data", 5051, 8081)
    rendered = render(name, site, tmp_path / "out").read_text()
    stray = {p for p in re.findall(r"(?<![\w./-])/(?:opt|run|var/lib|srv|home)/[\w./-]+", rendered)
             if not p.startswith(str(tmp_path))}
    assert not stray, f"deploy/{name} names paths outside the substitution scheme: {stray}"


def test_the_substitution_scheme_is_documented() -> None:
    readme = (DEPLOY / "README.md").read_text()
    for placeholder in [*PATH_PLACEHOLDERS, APP_ADDRESS, NGINX_LISTEN, APACHE_VHOST]:
        assert f"`{placeholder}`" in readme, placeholder


def test_gunicorn_conf_runs_one_worker_that_is_never_recycled() -> None:
    conf = runpy.run_path(str(DEPLOY / "gunicorn" / "gunicorn.conf.py"))
    assert (conf["workers"], conf["worker_class"], conf["threads"], conf["max_requests"]) == (1, "gthread", 25, 0)
    assert conf["preload_app"] is False and callable(conf["post_fork"])


def test_every_server_config_runs_python_without_docstrings() -> None:
    """-OO saves ~5 MiB of resident memory (docs/performance.md); each way of serving the app must ask for it."""
    for name in UWSGI_INIS:
        assert ini_options(name).get("optimize") == "2", name
    for name in [*APACHE_VHOSTS, "pgadmin_lite-windows.conf"]:
        lines = (DEPLOY / "apache" / name).read_text().splitlines()
        assert "WSGIPythonOptimize 2" in lines, name
    unit = (DEPLOY / "systemd" / "pgadmin_lite-gunicorn.service").read_text().splitlines()
    assert "Environment=PYTHONOPTIMIZE=2" in unit


@pytest.mark.parametrize("name", UWSGI_INIS)
def test_uwsgi_inis_run_one_process_in_one_interpreter(name: str) -> None:
    options = ini_options(name)
    expected = {"master": "true", "processes": "1", "threads": "25", "lazy-apps": "true", "single-interpreter": "true",
                "need-app": "true", "die-on-term": "true", "py-sys-executable": "/opt/pgadmin_lite/.venv/bin/python"}
    assert {k: options.get(k) for k in expected} == expected
    forbidden = {"harakiri", "max-requests", "reload-on-rss", "max-worker-lifetime", "cheaper"} & set(options)
    assert not forbidden, f"{name} recycles the worker: {forbidden}"
    if "pgadmin4" in name:
        assert options["mount"] == "/pgadmin4=pgadmin_lite.wsgi:app"
        assert options.get("manage-script-name") == options.get("no-default-app") == "true"
    else:
        assert options["mount"] == "/=pgadmin_lite.wsgi:app"
    if "socket" in name:
        assert options["socket"] == "/run/pgadmin_lite/uwsgi.sock" and options["chmod-socket"] == "666"


@pytest.mark.parametrize("name", NGINX_SITES)
def test_nginx_sites_pass_the_right_headers_and_big_uploads(name: str) -> None:
    text = (DEPLOY / "nginx" / name).read_text()
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "proxy_params" not in code, "Debian's proxy_params sends Host without the port"
    size = re.search(r"client_max_body_size\s+(\d+)([kmg]?);", code, re.I)
    assert size and int(size.group(1)) * SIZE[size.group(2).lower()] > max_upload_size()
    if "gunicorn" in name:
        assert "proxy_set_header Host $http_host;" in code and "proxy_read_timeout" in code
        assert ("proxy_set_header X-Script-Name /pgadmin4;" if "pgadmin4" in name
                else 'proxy_set_header X-Script-Name "";') in code
    else:
        assert "uwsgi_param HTTP_HOST $http_host;" in code and "uwsgi_read_timeout" in code
    if "pgadmin4" in name:
        assert re.search(r"location = /pgadmin4 \{\s*return 301 /pgadmin4/;\s*\}", code)


@pytest.mark.parametrize("name", APACHE_VHOSTS)
def test_apache_vhosts_use_one_daemon_process_in_the_main_interpreter(name: str) -> None:
    text = (DEPLOY / "apache" / name).read_text()
    assert re.search(r"WSGIDaemonProcess pgadmin_lite processes=1 threads=25 python-home=/opt/pgadmin_lite/\.venv ",
                     text)
    assert "WSGIProcessGroup pgadmin_lite" in text and "WSGIApplicationGroup %{GLOBAL}" in text
    assert "Require all granted" in text and "Order allow,deny" in text  # and the Apache 2.2 form, noted
    limit = re.search(r"LimitRequestBody (\d+)", text)
    assert limit and int(limit.group(1)) > max_upload_size()
    for forbidden in ("maximum-requests", "inactivity-timeout", "restart-interval"):
        assert not re.search(rf"^\s*WSGIDaemonProcess .*{forbidden}=", text, re.M)


def test_windows_files_activate_the_virtualenv_in_embedded_mode() -> None:
    conf = (DEPLOY / "apache" / "pgadmin_lite-windows.conf").read_text()
    assert not re.search(r"^\s*WSGIDaemonProcess", conf, re.M), "Windows mod_wsgi has no daemon mode"
    assert "WSGIApplicationGroup %{GLOBAL}" in conf and "pgadmin_lite-windows.wsgi" in conf
    wsgi = (DEPLOY / "apache" / "pgadmin_lite-windows.wsgi").read_text()
    assert "site.addsitedir" in wsgi and "PGADMIN_LITE_PYTHON_EXECUTABLE" in wsgi
    compile(wsgi, "pgadmin_lite-windows.wsgi", "exec")


@pytest.mark.parametrize("unit", ["pgadmin_lite-gunicorn.service", "pgadmin_lite-uwsgi.service"])
def test_systemd_units_are_accepted_by_systemd(unit: str, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is missing: apt-get install systemd")
    site = Site(ROOT, Path(sys.prefix), tmp_path / "run", tmp_path / "data")
    rendered = render(f"systemd/{unit}", site, tmp_path)
    if "uwsgi" in unit and not Path(sys.prefix, "bin", "uwsgi").exists():
        pytest.skip("pip install uwsgi (it is in the test extra)")
    result = subprocess.run([analyze, "verify", str(rendered)], capture_output=True, text=True, check=False)
    problems = [line for line in result.stderr.splitlines() if unit in line or rendered.name in line]
    assert result.returncode == 0 and not problems, result.stderr
    text = rendered.read_text()
    assert "--workers" not in text.split("ExecStart=")[1].splitlines()[0]
    assert "RuntimeDirectory=pgadmin_lite" in text and "User=pgadmin_lite" in text
