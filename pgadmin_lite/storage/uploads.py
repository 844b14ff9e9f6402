"""Multipart uploads streamed straight into temp files in the target folder, never whole in memory.

We parse the body ourselves (Werkzeug's sans-IO decoder) instead of letting request.files spool it
to /tmp first, so MAX_UPLOAD_SIZE and the quota are enforced while bytes arrive, and a failed or
aborted upload leaves nothing: every temp file is removed unless the whole request was committed.
The target folder must be known before the first file arrives: send `path` (and `root`, `overwrite`)
before the files — browsers' FormData and curl keep the order — or in the query string.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import IO, Any

from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from pgadmin_lite.errors import BadRequest, PayloadTooLarge
from pgadmin_lite.storage import sandbox
from pgadmin_lite.storage.files import entry_json
from pgadmin_lite.storage.roots import Root
from pgadmin_lite.storage.writes import (
    PendingFile,
    commit_files,
    pending_files,
    quota_error,
    quota_room,
    translate_os_errors,
)

CHUNK_BYTES = 256 * 1024
MAX_FIELD_BYTES = 16 * 1024  # path, root, overwrite: small text fields
MAX_PARTS = 1000
MAX_FILES = 100  # each pending file keeps its descriptor (and the lock storage.sweep honours) until the commit
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
TARGET_FIELDS = frozenset({"path", "root", "overwrite"})  # decide where files go: only before the first file
ResolveRoot = Callable[[str], Root]


def _chunks(stream: IO[bytes]) -> Iterator[bytes | None]:
    """The body in chunks, then None (the decoder's end-of-input marker)."""
    while True:
        data = stream.read(CHUNK_BYTES)
        if not data:
            yield None
            return
        yield data


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The file is larger than the upload limit of {limit} bytes ({limit / 1024 / 1024:.1f} MiB).",
        hint="An administrator can raise MAX_UPLOAD_SIZE (and the proxy's limit, e.g. nginx client_max_body_size).",
        max_upload_bytes=limit)


class UploadReceiver:
    """Consumes one multipart body: fields first, then each file into its own temp file."""

    def __init__(self, resolve_root: ResolveRoot, fields: dict[str, str], max_file_bytes: int,
                 stack: ExitStack, items: list[PendingFile]) -> None:
        self.resolve_root, self.fields, self.limit = resolve_root, dict(fields), max_file_bytes
        self.stack, self.items = stack, items
        self.root: Root | None = None
        self.root_fd = self.dir_fd = -1
        self.dir_parts: tuple[str, ...] = ()
        self.room: int | None = None
        self.field: str | None = None
        self.buffer = bytearray()
        self.current: PendingFile | None = None

    def consume(self, stream: IO[bytes], boundary: bytes) -> None:
        """Read to the closing boundary; anything short of it is an error, so a cut-off body stores nothing."""
        decoder = MultipartDecoder(boundary, max_parts=MAX_PARTS)
        try:
            for data in _chunks(stream):
                decoder.receive_data(data)
                event = decoder.next_event()
                while not isinstance(event, NeedData | Epilogue):
                    self._handle(event)
                    event = decoder.next_event()
                if isinstance(event, Epilogue):
                    return
        except ValueError as exc:
            raise BadRequest(f"The upload is not a complete multipart/form-data body ({exc}).") from None
        raise BadRequest("The upload ended before its closing boundary; nothing was stored.")

    def _handle(self, event: Any) -> None:
        if isinstance(event, File):
            self._start_file(event)
        elif isinstance(event, Field):
            if event.name in TARGET_FIELDS and self.dir_fd >= 0:  # it would be ignored: files went elsewhere
                raise BadRequest(f"The form field {event.name!r} came after a file; send path, root and overwrite "
                                 "before the files. Nothing was stored.")
            self.current, self.field = None, event.name
            self.buffer.clear()
        elif isinstance(event, Data):
            self._data(event)

    def _data(self, event: Data) -> None:
        if self.current is not None:
            if self.current.size + len(event.data) > self.limit:
                raise too_large(self.limit)
            incoming = sum(item.size for item in self.items) + len(event.data)
            if self.root is not None and self.room is not None and incoming > self.room:
                raise quota_error(self.root, (self.root.quota_bytes or 0) - self.room, incoming)
            self.current.write(event.data)
            if not event.more_data:
                self.current.finish()
                self.current = None
        elif self.field is not None:
            self.buffer += event.data
            if len(self.buffer) > MAX_FIELD_BYTES:
                raise BadRequest(f"The form field {self.field!r} is longer than {MAX_FIELD_BYTES} bytes.")
            if not event.more_data:
                self.fields[self.field] = self.buffer.decode("utf-8", "replace")
                self.field = None

    def _open_target(self) -> None:
        """Resolve the root and the target folder once, when the first file arrives."""
        if "path" not in self.fields:
            raise BadRequest("Send the `path` field (the target folder) before the files, or as ?path=.")
        self.root = self.resolve_root(self.fields.get("root") or "")
        self.root.require_writable()
        self.dir_parts = sandbox.split_path(self.fields["path"])
        self.root_fd = self.stack.enter_context(self.root.opened())
        self.dir_fd = self.stack.enter_context(sandbox.opened_dir(self.root_fd, self.dir_parts))
        self.room = quota_room(self.root, self.root_fd)

    def _start_file(self, event: File) -> None:
        self.field = None
        if event.name != "file":
            raise BadRequest(f"Unexpected file field {event.name!r}; send files as `file`.")
        if not event.filename:  # an empty file input in an HTML form
            self.current = None
            return
        if self.dir_fd < 0:
            self._open_target()
        name = sandbox.check_name(event.filename)
        if len(self.items) >= MAX_FILES:
            raise BadRequest(f"One upload holds at most {MAX_FILES} files; send the others in another upload.")
        if any(item.name == name for item in self.items):
            raise BadRequest(f"The file {name!r} appears twice in one upload.")
        self.current = PendingFile(self.dir_fd, name, (*self.dir_parts, name))
        self.items.append(self.current)
        if self.room is not None and self.is_overwrite:  # the replaced file's bytes will be freed
            self.room += self.current.existing_size()

    @property
    def is_overwrite(self) -> bool:
        return self.fields.get("overwrite", "").strip().lower() in TRUE_WORDS


@translate_os_errors
def receive_upload(stream: IO[bytes], boundary: bytes, *, resolve_root: ResolveRoot, fields: dict[str, str],
                   max_file_bytes: int) -> dict[str, Any]:
    """Store every file of the body in its folder, all or nothing; `fields` are defaults from the query string."""
    with ExitStack() as stack, pending_files() as items:
        receiver = UploadReceiver(resolve_root, fields, max_file_bytes, stack, items)
        receiver.consume(stream, boundary)
        if not items or receiver.root is None:
            raise BadRequest("The upload holds no file: send one or more `file` parts.")
        commit_files(receiver.root, receiver.root_fd, items, overwrite=receiver.is_overwrite)
        stored = []
        for item in items:
            info = os.stat(item.name, dir_fd=item.dir_fd, follow_symlinks=False)
            stored.append({"path": sandbox.virtual(item.parts), **entry_json(item.name, info)})
        return {"root": receiver.root.name, "path": sandbox.virtual(receiver.dir_parts), "files": stored}
