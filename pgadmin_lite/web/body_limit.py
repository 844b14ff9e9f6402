"""Request bodies are bounded: MAX_REQUEST_BODY_SIZE for every route, refused before anything reads them.

Without it one anonymous 100 MB form POST to /login grew the worker by 300 MiB (Werkzeug buffers form and
JSON bodies whole). A Content-Length over the limit is a 413 before the CSRF check or a view reads a byte;
a chunked body is cut off with the same 413 once more than the limit was read (BoundedBody: Werkzeug's own
MAX_CONTENT_LENGTH silently truncates a chunked body at the limit instead). The one exception is a view
marked @unbounded_body: the storage upload streams into files and enforces MAX_UPLOAD_SIZE itself.
Any answer given while part of the body is still unread on the socket (every 413, a 401 to a large POST)
closes the connection: Gunicorn drains at most 64 KiB of a leftover body, then drops the connection it had
just called keep-alive, and with it the client's next request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, TypeVar

from flask import Flask, current_app, request

from pgadmin_lite.errors import ConfigError, PayloadTooLarge

F = TypeVar("F", bound=Callable[..., object])
UNBOUNDED_ATTR = "is_unbounded_body"
CHUNK_BYTES = 64 * 1024


def unbounded_body(view: F) -> F:
    """Exempt a view that reads request.stream itself and enforces its own limits (put it under the route)."""
    setattr(view, UNBOUNDED_ATTR, True)
    return view


def body_too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The request body is larger than {limit} bytes ({limit / 1024 / 1024:.1f} MiB); it was refused.",
        hint="Upload files with POST /api/v1/storage/upload; an administrator can raise MAX_REQUEST_BODY_SIZE.",
        max_request_bytes=limit)


def _refuse_large_body() -> None:
    body = request.environ.get("wsgi.input")
    if getattr(current_app.view_functions.get(request.endpoint or ""), UNBOUNDED_ATTR, False):
        if isinstance(body, BoundedInput):
            body.limit = None
        return
    limit = current_app.config["MAX_REQUEST_BODY_SIZE"]
    if (request.content_length or 0) > limit:
        raise body_too_large(limit)


def init_app(app: Flask) -> None:
    """Check the setting and refuse an announced large body first thing in every request (BoundedBody, installed
    by create_app around the whole app, caps the bytes actually read)."""
    limit = app.config["MAX_REQUEST_BODY_SIZE"]
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        raise ConfigError(f"MAX_REQUEST_BODY_SIZE must be a positive number of bytes, got {limit!r}.")
    app.before_request(_refuse_large_body)


class BoundedInput:
    """wsgi.input that raises 413 past `limit` bytes (None: no limit) and knows whether it was read to its end."""

    def __init__(self, stream: IO[bytes], length: int | None, limit: int | None) -> None:
        self.stream, self.remaining, self.limit = stream, length, limit
        self.consumed = 0
        self.is_exhausted = length == 0

    def _seen(self, data: bytes, size: int | None) -> bytes:
        self.consumed += len(data)
        if self.limit is not None and self.consumed > self.limit:
            raise body_too_large(self.limit)
        if self.remaining is not None:
            self.remaining -= len(data)
        if (not data and size != 0) or (self.remaining is not None and self.remaining <= 0):
            self.is_exhausted = True
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size >= 0:
            return self._seen(self.stream.read(size), size)
        return b"".join(iter(lambda: self.read(CHUNK_BYTES), b""))  # in chunks: never more than limit in memory

    def readline(self, size: int | None = -1) -> bytes:
        size = CHUNK_BYTES if size is None or size < 0 else size  # a body without newlines is not one huge line
        return self._seen(self.stream.readline(size), size)

    def readlines(self, hint: int = -1) -> list[bytes]:
        return list(iter(self.readline, b""))

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")


class BoundedBody:
    """WSGI middleware: bound what is read of every request body, and end the connection after a response that
    left part of it unread.

    PEP 3333 forbids an application's own Connection header (Gunicorn drops it), so the server is asked:
    Gunicorn's start_response belongs to its response object, whose force_close() makes it answer
    `Connection: close` and close. Servers without it (uWSGI, mod_wsgi) discard leftover bodies themselves.
    """

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], limit: int) -> None:
        self.wsgi_app, self.limit = wsgi_app, limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH", "")
        is_chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not is_chunked and not length.isdigit():
            return self.wsgi_app(environ, start_response)
        body = BoundedInput(environ["wsgi.input"], None if is_chunked else int(length), self.limit)
        environ["wsgi.input"] = body

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if not body.is_exhausted:
                force_close = getattr(getattr(start_response, "__self__", None), "force_close", None)
                if callable(force_close):
                    force_close()
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)
