"""Fingerprint the static files: a content hash in every name, so a browser may cache each one forever.

ES modules import their siblings by relative name (`from "./api.js"`); inside a fingerprinted module
those imports are rewritten to the siblings' fingerprinted names before the module is hashed, so a
change to api.js gives api.js *and every module that imports it* a new URL (a Merkle tree over the
import graph). Each built file is written once, next to its gzip (and, with the brotli package, br)
variant, into a build directory keyed by content: a restart with unchanged files writes nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import posixpath
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

try:  # optional: br is smaller than gzip, and every current browser asks for it
    import brotli
except ImportError:  # pragma: no cover - depends on the installation
    brotli = None

HASH_CHARS = 12
COMPRESSIBLE = frozenset({".js", ".mjs", ".css", ".svg", ".txt", ".json", ".map", ".html"})
MIN_COMPRESS_BYTES = 512
BROTLI_QUALITY = 5  # 11 is 10% smaller and 50x slower (1.3 s for the CodeMirror bundle) on a first start
# Static imports and re-exports with a relative specifier: import x from "./a.js"; import "./b.js"; export … from.
# Each starts a line (module code keeps them at the top level), which keeps the scan cheap.
IMPORT_RE = re.compile(r"""^((?:import|export)\b[^;"'`]*?\bfrom\s*|import\s*)(["'])(\.{1,2}/[^"'\s]+)\2""", re.M)
RELATIVE_OPENERS = (b'"./', b"'./", b'"../', b"'../")  # a bundle has none: skip its 450 KB (substring search)
FINGERPRINTED_RE = re.compile(rf"\.[0-9a-f]{{{HASH_CHARS}}}\.[A-Za-z0-9]+$")


class ImportCycle(Exception):
    """Modules that import each other cannot each name the other's hash."""


def fingerprinted_name(name: str, content: bytes) -> str:
    """js/api.js → js/api.0123456789ab.js (the hash of what is served under that name)."""
    stem, dot, ext = name.rpartition(".")
    digest = hashlib.sha256(content).hexdigest()[:HASH_CHARS]
    return f"{stem}.{digest}.{ext}" if dot and "/" not in ext else f"{name}.{digest}"


def is_fingerprinted(url: str) -> bool:
    return bool(FINGERPRINTED_RE.search(url))


def _logical_files(src: Path) -> dict[str, Path]:
    """Every file under src by its URL path relative to src (posix separators)."""
    return {path.relative_to(src).as_posix(): path for path in sorted(src.rglob("*")) if path.is_file()}


def _resolve(importer: str, specifier: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier))


def _relative(importer: str, target: str) -> str:
    rel = posixpath.relpath(target, posixpath.dirname(importer) or ".")
    return rel if rel.startswith("../") else f"./{rel}"


@dataclass
class Manifest:
    """What a build wrote: each file's fingerprinted name, and which modules each module imports."""

    names: dict[str, str] = field(default_factory=dict)
    imports: dict[str, list[str]] = field(default_factory=dict)

    def dependencies(self, name: str) -> list[str]:
        """Every module name imports, directly or not, each once, nearest first (for modulepreload)."""
        found: list[str] = []
        queue = list(self.imports.get(name, []))
        while queue:
            dependency = queue.pop(0)
            if dependency not in found:
                found.append(dependency)
                queue.extend(self.imports.get(dependency, []))
        return found


class _Builder:
    """Hash files in import order (dependencies first), rewriting each module's relative imports."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files
        self.manifest: dict[str, str] = {}
        self.imports: dict[str, list[str]] = {}
        self.contents: dict[str, bytes] = {}
        self.visiting: list[str] = []

    def build(self) -> None:
        for name in self.files:
            self.visit(name)

    def visit(self, name: str) -> str:
        if name in self.manifest:
            return self.manifest[name]
        if name in self.visiting:
            cycle = [*self.visiting[self.visiting.index(name):], name]
            raise ImportCycle("static modules import each other: " + " -> ".join(cycle))
        self.visiting.append(name)
        content = self.files[name].read_bytes()
        if name.endswith((".js", ".mjs")) and any(opener in content for opener in RELATIVE_OPENERS):
            content = self.rewrite_imports(name, content)
        self.visiting.pop()
        self.contents[name] = content
        self.manifest[name] = fingerprinted_name(name, content)
        return self.manifest[name]

    def rewrite_imports(self, name: str, content: bytes) -> bytes:
        text = content.decode("utf-8")

        def replace(match: re.Match[str]) -> str:
            target = _resolve(name, match.group(3))
            if target not in self.files:
                return match.group(0)  # a missing module fails in the browser as it would unbuilt
            hashed = self.visit(target)
            self.imports.setdefault(name, []).append(target)
            return f"{match.group(1)}{match.group(2)}{_relative(name, hashed)}{match.group(2)}"

        return IMPORT_RE.sub(replace, text).encode("utf-8")


def _make_private_dirs(path: Path) -> None:
    """Every missing directory 0700 (Path.mkdir(parents=True) would give the parents the umask's mode)."""
    if not path.is_dir():
        _make_private_dirs(path.parent)
        path.mkdir(mode=0o700, exist_ok=True)


def _write_atomic(path: Path, data: bytes) -> None:
    """Concurrent workers may build the same file: each writes a temp file (0600, as all of DATA_DIR) and renames it."""
    _make_private_dirs(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _compressed_variants(path: Path, content: bytes) -> dict[Path, bytes]:
    """gzip (and br) of a text file, each only when it is smaller than the file itself."""
    if path.suffix not in COMPRESSIBLE or len(content) < MIN_COMPRESS_BYTES:
        return {}
    variants = {path.with_name(path.name + ".gz"): gzip.compress(content, 9, mtime=0)}
    if brotli is not None:
        variants[path.with_name(path.name + ".br")] = brotli.compress(content, quality=BROTLI_QUALITY)
    return {variant: data for variant, data in variants.items() if len(data) < len(content)}


def build(src: Path, out: Path) -> Manifest:
    """Write every file of src under its fingerprinted name into out; return the names and the import graph."""
    builder = _Builder(_logical_files(src))
    builder.build()
    for name, hashed in builder.manifest.items():
        target = out / hashed
        if target.exists():  # content-addressed: an existing file already holds these bytes
            continue
        content = builder.contents[name]
        for variant, data in _compressed_variants(target, content).items():
            _write_atomic(variant, data)
        _write_atomic(target, content)  # last: its presence says the variants are there too
    return Manifest(builder.manifest, builder.imports)
