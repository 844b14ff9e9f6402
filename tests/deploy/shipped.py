"""The one substitution scheme for the files in deploy/ (documented in deploy/README.md), and rendering them.

A shipped file names its paths and ports with fixed placeholders; a test writes a copy into a scratch
directory with exactly these replaced, in this order (the longest first), and nothing else changed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# Placeholder -> what it stands for; every path placeholder must be gone after rendering.
PATH_PLACEHOLDERS = {
    "/opt/pgadmin_lite/.venv": "the virtualenv",
    "/opt/pgadmin_lite": "the install directory (the source checkout with config.py and config_local.py)",
    "/run/pgadmin_lite": "the runtime directory holding the Unix sockets",
    "/var/lib/pgadmin_lite": "DATA_DIR",
    "/etc/nginx/pgadmin_lite.htpasswd": "the password file of the NGINX proxy-authentication site",
}
APP_ADDRESS = "127.0.0.1:5050"  # the app server's own HTTP address (Gunicorn/uWSGI standalone)
NGINX_LISTEN = "listen 80;"  # the public port of an NGINX site
APACHE_VHOST = "<VirtualHost *:80>"  # the public port of an Apache site


@dataclass(frozen=True)
class Site:
    """This run's values for the placeholders."""

    install_dir: Path
    venv: Path
    run_dir: Path
    data_dir: Path
    app_port: int | None = None
    public_port: int | None = None

    def substitutions(self) -> list[tuple[str, str]]:
        values = [str(self.venv), str(self.install_dir), str(self.run_dir), str(self.data_dir),
                  str(self.run_dir / "htpasswd")]
        pairs = list(zip(PATH_PLACEHOLDERS, values, strict=True))
        if self.app_port is not None:
            pairs.append((APP_ADDRESS, f"127.0.0.1:{self.app_port}"))
        if self.public_port is not None:
            pairs.append((NGINX_LISTEN, f"listen 127.0.0.1:{self.public_port};"))
            pairs.append((APACHE_VHOST, f"<VirtualHost 127.0.0.1:{self.public_port}>"))
        return pairs


def render(relative: str, site: Site, dest_dir: Path) -> Path:
    """Write deploy/<relative> with the placeholders replaced into dest_dir; fail if a path placeholder is left."""
    text = (DEPLOY / relative).read_text(encoding="utf-8")
    for placeholder, value in site.substitutions():
        text = text.replace(placeholder, value)
    left = [p for p in PATH_PLACEHOLDERS if p in text]
    assert not left, f"deploy/{relative} still names {left} after substitution: extend the scheme"
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / Path(relative).name
    dest.write_text(text, encoding="utf-8")
    return dest


@contextlib.contextmanager
def open_scratch_dir(prefix: str = "pgadmin_lite-deploy-") -> Iterator[Path]:
    """A scratch directory other OS users can traverse (nginx/Apache workers run as www-data); removed after.

    pytest's own temp root is mode 700, so sockets, DATA_DIR and files Apache reads cannot live there.
    """
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        path.chmod(0o755)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def chown_tree(path: Path, user: str) -> None:
    """Hand a directory tree to an OS user, as `setup_db.py setup-db --owner USER` does."""
    for root, dirs, files in os.walk(path):
        shutil.chown(root, user, user)
        for name in dirs + files:
            shutil.chown(os.path.join(root, name), user, user)
