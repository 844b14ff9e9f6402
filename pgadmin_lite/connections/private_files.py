"""File contents libpq must read from a file (TLS certificates, keys, CRLs): written 0600 in a private 0700
directory for one connection and removed as soon as libpq has read them (during the connect).

Parameters carry such contents as PrivateText; nothing else in the process ever names a file for them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PrivateText:
    """The text of a file for a libpq parameter; str() is a digest, so it never reaches a log or a key in clear."""

    text: str = ""

    def __str__(self) -> str:
        return "sha256:" + hashlib.sha256(self.text.encode()).hexdigest()

    def __repr__(self) -> str:
        return f"PrivateText({self})"


def has_private(params: Mapping[str, Any]) -> bool:
    return any(isinstance(value, PrivateText) for value in params.values())


def write_private(params: Mapping[str, Any], directory: Path) -> dict[str, Any]:
    """params with each PrivateText written to directory/<parameter> (0600) and named by its path."""
    out = dict(params)
    for name, value in params.items():
        if isinstance(value, PrivateText):
            path = directory / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            os.fchmod(fd, 0o600)  # whatever the umask: libpq refuses a key others may read
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(value.text)
            out[name] = str(path)
    return out


def decrypted_key(pem: str, password: str) -> str:
    """An encrypted private key's PEM without its encryption (for programs that cannot be handed sslpassword)."""
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(pem.encode(), password.encode())
    except TypeError:  # not encrypted after all: sslpassword is unused, as libpq would ignore it
        return pem
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def make_private_dir(path: Path) -> Path:
    """An empty directory only this OS user may enter (0700, whatever the umask)."""
    path.mkdir(mode=0o700)
    path.chmod(0o700)
    return path


@contextmanager
def materialized(params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """params with their PrivateText as files for the block (a fresh temp dir, removed with them at the end)."""
    if not has_private(params):
        yield dict(params)
        return
    directory = Path(tempfile.mkdtemp(prefix="pgadmin_lite-tls-"))  # mkdtemp: 0700, owned by us alone
    try:
        yield write_private(params, directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
