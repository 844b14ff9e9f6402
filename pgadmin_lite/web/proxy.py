"""Trusted-proxy handling: honour X-Forwarded-* and X-Script-Name only from configured peers."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any

from werkzeug.wrappers import Response

WSGIEnviron = dict[str, Any]
# A URL prefix is one or more /segments of unreserved characters: no dots-only, no encoding tricks.
PREFIX_RE = re.compile(r"^(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$")
HOST_RE = re.compile(r"^[A-Za-z0-9.\-:\[\]]+$")
UNIX_PEER = "unix"
PEER_TRUSTED = "pgadmin_lite.peer_trusted"  # environ key: whether the direct peer is one of TRUSTED_PROXIES


def parse_trusted(entries: Iterable[str]) -> tuple[list[ipaddress.IPv4Network | ipaddress.IPv6Network], bool]:
    """Split TRUSTED_PROXIES into networks and the Unix-socket flag."""
    networks = []
    for entry in entries:
        if entry == UNIX_PEER:
            continue
        networks.append(ipaddress.ip_network(entry, strict=False))
    return networks, UNIX_PEER in entries


def normalize_prefix(raw: str) -> str | None:
    """Return the prefix without a trailing slash ('' for root), or None when malformed."""
    value = raw.strip().rstrip("/")
    if value == "":
        return ""
    if not PREFIX_RE.match(value) or any(part in {".", ".."} for part in value.split("/")):
        return None
    return value


class TrustedProxyMiddleware:
    """Rewrite the WSGI environ from proxy headers when, and only when, the peer is trusted."""

    def __init__(self, app: Any, trusted: Iterable[str]) -> None:
        self.app = app
        self.networks, self.trust_unix = parse_trusted(list(trusted))

    def is_trusted(self, environ: WSGIEnviron) -> bool:
        """A peer is trusted if it is a listed address, or a Unix-socket peer when 'unix' is listed."""
        remote = (environ.get("REMOTE_ADDR") or "").strip()
        try:
            address = ipaddress.ip_address(remote)
        except ValueError:
            return self.trust_unix and (remote == "" or remote.startswith(("unix", "/")))
        return any(address in net for net in self.networks)

    def __call__(self, environ: WSGIEnviron, start_response: Any) -> Iterable[bytes]:
        environ[PEER_TRUSTED] = self.is_trusted(environ)
        if environ[PEER_TRUSTED]:
            error = self._apply_forwarded(environ)
            if error:
                return Response(error, status=400, mimetype="text/plain")(environ, start_response)
        else:
            for key in ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_FOR",
                        "HTTP_X_SCRIPT_NAME", "HTTP_X_FORWARDED_PREFIX"):
                environ.pop(key, None)
        return self.app(environ, start_response)

    def _apply_forwarded(self, environ: WSGIEnviron) -> str | None:
        """Apply the forwarded headers; return an error text when one is malformed."""
        proto = _last_value(environ.get("HTTP_X_FORWARDED_PROTO"))
        if proto:
            if proto not in {"http", "https"}:
                return f"Malformed X-Forwarded-Proto from the proxy: {proto!r}"
            environ["wsgi.url_scheme"] = proto
        host = _last_value(environ.get("HTTP_X_FORWARDED_HOST"))
        if host:
            if not HOST_RE.match(host):
                return f"Malformed X-Forwarded-Host from the proxy: {host!r}"
            environ["HTTP_HOST"] = host
        client = _last_value(environ.get("HTTP_X_FORWARDED_FOR"))
        if client:
            environ["REMOTE_ADDR"] = client
        raw_prefix = environ.get("HTTP_X_SCRIPT_NAME") or environ.get("HTTP_X_FORWARDED_PREFIX")
        if raw_prefix:  # empty means "none given": a proxy blanks a client's copy (uwsgi_param ... "")
            prefix = normalize_prefix(raw_prefix)
            if prefix is None:
                return f"Malformed X-Script-Name from the proxy: {raw_prefix!r} (expected a path such as /pgadmin4)"
            _mount_at(environ, prefix)
        return None


def _last_value(header: str | None) -> str:
    """The right-most value of a list header is the one our own proxy added."""
    if not header:
        return ""
    return header.split(",")[-1].strip()


def _mount_at(environ: WSGIEnviron, prefix: str) -> None:
    """Serve under prefix; a path that already starts with it is stripped once (both proxy styles)."""
    environ["SCRIPT_NAME"] = prefix
    path = environ.get("PATH_INFO", "")
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix):]
    environ["PATH_INFO"] = path or "/"
