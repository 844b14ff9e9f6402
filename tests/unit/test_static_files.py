"""Static files: fingerprinted names (imports rewritten), cached forever, compressed, under any prefix."""

from __future__ import annotations

import fcntl
import gzip
import re
import subprocess
import sys
from pathlib import Path

import brotli
import pytest
from flask import Flask

from pgadmin_lite.web import static_build, static_files
from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, CSRF_INPUT, AppFactory, prepare_data_dir

PREFIX = "/pgadmin4"
HASHED = r"[0-9a-f]{12}"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


MODULES = {
    "js/api.js": "export const api = 1;\n" + "// padding\n" * 100,
    "js/page.js": 'import { api } from "./api.js";\nimport "./lib/side.js";\nexport { x } from "../vendor/v.js";\n',
    "js/lib/side.js": 'import { api } from "../api.js";\n',
    "vendor/v.js": "export const x = 2;\n",
    "css/app.css": "body { color: var(--fg); }\n",
}


def test_imports_point_at_fingerprinted_siblings(tmp_path: Path) -> None:
    write(tmp_path / "src", MODULES)
    built = static_build.build(tmp_path / "src", tmp_path / "out")
    names = built.names
    assert set(names) == set(MODULES)
    assert built.dependencies("js/page.js") == ["js/api.js", "js/lib/side.js", "vendor/v.js"]  # api.js once
    assert all(re.fullmatch(rf"{re.escape(n.rsplit('.', 1)[0])}\.{HASHED}\.(js|css)", h) for n, h in names.items())
    page = (tmp_path / "out" / names["js/page.js"]).read_text()
    api, side, vendor = (names[n].rsplit("/", 1)[-1] for n in ("js/api.js", "js/lib/side.js", "vendor/v.js"))
    assert f'from "./{api}"' in page and f'import "./lib/{side}"' in page and f'from "../vendor/{vendor}"' in page
    assert f'from "../{api}"' in (tmp_path / "out" / names["js/lib/side.js"]).read_text()
    big = tmp_path / "out" / names["js/api.js"]
    assert gzip.decompress(big.with_name(big.name + ".gz").read_bytes()) == big.read_bytes()
    assert brotli.decompress(big.with_name(big.name + ".br").read_bytes()) == big.read_bytes()
    assert not (tmp_path / "out" / (names["vendor/v.js"] + ".gz")).exists()  # too small to gain anything


def test_a_changed_file_gets_a_new_url_and_so_do_its_importers(tmp_path: Path) -> None:
    write(tmp_path / "src", MODULES)
    before = static_build.build(tmp_path / "src", tmp_path / "out").names
    write(tmp_path / "src", {"js/api.js": "export const api = 3;\n"})
    after = static_build.build(tmp_path / "src", tmp_path / "out").names
    changed = {name for name in MODULES if before[name] != after[name]}
    assert changed == {"js/api.js", "js/page.js", "js/lib/side.js"}
    assert (tmp_path / "out" / before["js/api.js"]).exists()  # an open page can still load the old version
    assert static_build.build(tmp_path / "src", tmp_path / "out").names == after  # same content, same names


def test_an_import_cycle_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "src", {"a.js": 'import "./b.js";', "b.js": 'import { a } from "./a.js";'})
    with pytest.raises(static_build.ImportCycle, match=r"a\.js -> b\.js -> a\.js"):
        static_build.build(tmp_path / "src", tmp_path / "out")


def test_the_shipped_modules_have_no_import_cycle(tmp_path: Path) -> None:
    src = Path(static_build.__file__).resolve().parents[1] / "static"
    built = static_build.build(src, tmp_path)
    assert "vendor/codemirror/codemirror.bundle.js" in built.dependencies("js/query_tool.js")


@pytest.fixture(scope="module")
def static_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return AppFactory(prepare_data_dir(tmp_path_factory.mktemp("static") / "data"))()


@pytest.mark.parametrize("prefix", ["", PREFIX])
def test_pages_name_fingerprinted_files_served_compressed_and_immutable(static_app: Flask, prefix: str) -> None:
    client = static_app.test_client()
    mount = {"X-Script-Name": prefix} if prefix else {}
    html = client.get(f"{prefix}/login", headers=mount).get_data(as_text=True)
    sheet = re.search(rf'href="({re.escape(prefix)}/static/css/app\.{HASHED}\.css)"', html)
    assert sheet, html
    token = CSRF_INPUT.search(html)
    assert token
    client.post(f"{prefix}/login", headers=mount,
                data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token.group(1)})
    page = client.get(f"{prefix}/query-tool", headers=mount).get_data(as_text=True)
    entry = re.search(rf'<script type="module" src="({re.escape(prefix)}/static/js/query_tool\.{HASHED}\.js)">', page)
    preloads = re.findall(rf'<link rel="modulepreload" href="({re.escape(prefix)}/static/[^"]+)">', page)
    assert entry and len(preloads) >= 10, page  # its imports, fetched at once instead of level by level
    assert any("/vendor/codemirror/codemirror.bundle." in url for url in preloads)
    script = entry.group(1)
    for encoding, decode in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        response = client.get(script, headers={**mount, "Accept-Encoding": encoding})
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == encoding
        assert response.headers["Cache-Control"] == "max-age=31536000, public, immutable"
        assert "javascript" in response.headers["Content-Type"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Access-Control-Allow-Origin" not in response.headers
        assert b'from "./api.' in decode(response.data)
    plain = client.get(f"{prefix}/static/js/query_tool.js", headers=mount)
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "max-age=0, public"
    assert "Content-Encoding" not in plain.headers


def test_the_build_and_its_scan_hold_a_lock_other_processes_wait_for(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers sharing a DATA_DIR once scanned the build while another wrote a temp file there (its boot failed)."""
    write(tmp_path / "src", MODULES)
    probe = ("import fcntl, sys; f = open(sys.argv[1], 'a')\n"
             "try:\n    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB); print('free')\n"
             "except BlockingIOError:\n    print('held')")
    seen: list[str] = []
    real_build = static_build.build

    def build_and_probe(source: Path, out: Path) -> static_build.Manifest:
        lock = out.parent / static_files.BUILD_LOCK
        seen.append(subprocess.run([sys.executable, "-c", probe, str(lock)], capture_output=True, text=True,
                                   check=True).stdout.strip())
        return real_build(source, out)

    monkeypatch.setattr(static_build, "build", build_and_probe)
    served = static_files.StaticFiles(lambda *_: [], tmp_path / "src", tmp_path / "data" / static_files.BUILD_DIR)
    assert "js/api.js" in served.manifest().names
    assert seen == ["held"]
    with open(tmp_path / "data" / static_files.BUILD_LOCK, "a") as after:
        fcntl.flock(after, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released once built
