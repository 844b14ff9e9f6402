"""Serve static files compressed and fingerprinted (WhiteNoise), under whatever prefix the app is mounted at.

static_build writes each file under a content-hashed name into DATA_DIR/static-build (once, at the first
request or page render: the CLI, which builds apps for the config DB only, never pays for it);
url_for('static', filename=...) then names the hashed file, which is served with
`Cache-Control: max-age=31536000, public, immutable` and gzip or br as the request accepts. The plain
names stay reachable (max-age=0: the browser revalidates) for anything that names them directly.
WhiteNoise sits inside the proxy middleware, so it matches PATH_INFO after the prefix was stripped.
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.headers import Headers

from flask import Flask, current_app, url_for
from markupsafe import Markup
from whitenoise import WhiteNoise

from pgadmin_lite.web import static_build

BUILD_DIR = "static-build"
BUILD_LOCK = "static-build.lock"  # beside the build: processes sharing a DATA_DIR build it one at a time
URL_PREFIX = "static/"
ONE_YEAR = 31_536_000


def _add_headers(headers: Headers, path: str, url: str) -> None:
    """Flask's after_request does not run for these: the security header a script or sheet needs."""
    headers["X-Content-Type-Options"] = "nosniff"


def _is_immutable(path: str, url: str) -> bool:
    return static_build.is_fingerprinted(url) and BUILD_DIR in Path(path).parts


class StaticFiles(WhiteNoise):
    """WhiteNoise over the fingerprinted build (built on first use), then the plain names; a year is forever."""

    FOREVER = ONE_YEAR

    def __init__(self, application: Any, source: Path, build_dir: Path) -> None:
        super().__init__(application, max_age=0, allow_all_origins=False, add_headers_function=_add_headers,
                         immutable_file_test=_is_immutable)
        self.source, self.build_dir = source, build_dir
        self._manifest: static_build.Manifest | None = None
        self._lock = threading.Lock()

    def manifest(self) -> static_build.Manifest:
        """The fingerprinted names and import graph, building the files the first time it is asked for."""
        if self._manifest is None:
            with self._lock:
                if self._manifest is None:
                    with build_lock(self.build_dir):  # another process's temp files never meet our scan
                        built = static_build.build(self.source, self.build_dir)
                        self.add_files(str(self.build_dir), prefix=URL_PREFIX)
                    self.add_files(str(self.source), prefix=URL_PREFIX)
                    self._manifest = built
        return self._manifest

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.manifest()
        return super().__call__(environ, start_response)


@contextlib.contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """An exclusive lock on the build across processes (workers of one server, or one starting while another
    runs): a scan of the build directory while another process writes its temp files there failed the boot."""
    build_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(build_dir.parent / BUILD_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def init_app(app: Flask) -> None:
    """Wrap app.wsgi_app in StaticFiles and make url_for('static', ...) name the fingerprinted files."""
    assert app.static_folder
    static = StaticFiles(app.wsgi_app, Path(app.static_folder), Path(app.config["DATA_DIR"]) / BUILD_DIR)
    app.extensions["static_files"] = static
    app.wsgi_app = static  # type: ignore[method-assign]

    @app.url_defaults
    def fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in static.manifest().names:
            values["filename"] = static.manifest().names[values["filename"]]

    app.add_template_global(module_script)


def manifest(app: Flask) -> static_build.Manifest:
    """The app's fingerprinted names and import graph; the first call builds the files (wsgi.py, at start)."""
    return app.extensions["static_files"].manifest()


def module_script(filename: str) -> Markup:
    """A page's entry module, with a modulepreload for each module it imports: one round trip, not one per level."""
    tags = [Markup('<link rel="modulepreload" href="{}">').format(url_for("static", filename=dependency))
            for dependency in manifest(current_app).dependencies(filename)]
    tags.append(Markup('<script type="module" src="{}"></script>').format(url_for("static", filename=filename)))
    return Markup("\n").join(tags)
