"""Read a plain SQL file for a restore as psql would, without obeying it: no client-side command ever runs.

Statement boundaries are the splitter's (connections/splitter.py: psql's lexer rules, checked against psql).
This module keeps the restore's policy on top: a psql meta-command refuses the file with its line, except
the `\\restrict KEY` / `\\unrestrict KEY` pair that pg_dump writes (since 17.6, 16.10, 15.14, …) outside any
statement; `COPY … FROM stdin;` is followed by its data up to a line `\\.`; the file's own SETs of
standard_conforming_strings are followed. The file is read from a seekable stream as bytes (psql sends them
as they are): SQL in blocks of lines, lexed as latin-1 so that each byte is one character and comes back
unchanged, COPY data in blocks; memory stays bounded by the longest statement.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from pgadmin_lite.connections import splitter
from pgadmin_lite.connections.splitter import SPACE, StreamSplitter

STATEMENT_MAX_BYTES = 256 << 20  # psql itself holds a statement in memory; so do we, up to this size
DATA_CHUNK_BYTES = 256 << 10  # COPY data is read, and passed on, in blocks of about this size
SQL_BLOCK_BYTES = 16 << 10  # SQL is read in whole lines, about this much at a time
TERMINATOR = re.compile(rb"\\\.\r?(\n|\Z)")  # the line that ends COPY data
RESTRICT = re.compile(r"\\(restrict|unrestrict) ([A-Za-z0-9]+)")
SET_STD_STRINGS = re.compile(r"(?i)set\s+(?:session\s+|local\s+)?standard_conforming_strings\s*(?:=|\bto\b)\s*'?"
                             r"(on|off|true|false|default)'?|reset\s+(?:standard_conforming_strings|all)")


class ScriptError(Exception):
    """The file cannot be restored as it is; the message names the line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"Line {line}: {message}")
        self.line = line


@dataclass
class Statement:
    """One statement as sent to the server (from its first token to its semicolon) and the line it starts on."""

    sql: bytes
    line: int
    is_copy_in: bool = False
    data: Iterator[bytes] = field(default_factory=lambda: iter(()))  # the COPY data, when is_copy_in


def meta_command_refusal(name: str) -> str:
    """Why a backslash outside a literal is refused: it starts a psql meta-command."""
    shown = name[:31].encode("latin-1").decode("utf-8", "replace")
    return (f"the psql meta-command {shown} is not allowed in a restore: the file is run statement by statement, "
            "never by psql. Remove the line (a dump from pg_dump has none).")


def as_sent(statement: splitter.Statement, source: str) -> bytes:
    """What psql sends: the statement's text through its semicolon (\\; and \\: written without the backslash)."""
    body = source[:-1] if statement.is_terminated else source
    return (statement.sql + source[len(body.rstrip(SPACE)):]).encode("latin-1")


def is_copy_from_stdin(statement: splitter.Statement) -> bool:
    """COPY … FROM stdin, its data in the file: FROM STDIN outside parentheses (not in COPY (query) TO)."""
    if statement.first_word != "COPY":
        return False
    words = splitter.statement_words(statement.sql, statement.std_strings, top_level=True)
    return ("FROM", "STDIN") in itertools.pairwise(words)


def _candidate_lines(text: bytes, at_line_start: bool) -> Iterator[int]:
    """Where lines beginning with a backslash and a dot start in text (found with bytes.find: fast)."""
    if at_line_start and text.startswith(b"\\."):
        yield 0
    found = text.find(b"\n\\.")
    while found >= 0:
        yield found + 1
        found = text.find(b"\n\\.", found + 1)


class ScriptReader:
    """The statements of a SQL file read from a binary stream; a COPY's data is read when it is iterated."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.origin = stream.tell()  # the splitter's offsets count from here (a latin-1 character is a byte)
        self.line = 0  # line breaks read so far
        self.lexer = StreamSplitter()
        self.restrict_key: str | None = None
        self.is_standard_strings = True  # what the file has set standard_conforming_strings to so far

    def __iter__(self) -> Iterator[Statement]:
        while True:
            block = self._read_block()
            for statement in self._admitted(self.lexer.feed(block) if block else self.lexer.finish()):
                yield statement
                if statement.is_copy_in:
                    for _ in statement.data:  # whatever the caller did not read is still data, not SQL
                        pass
                    self.lexer.restart(self.stream.tell() - self.origin, self.line + 1)
                    break
            else:
                if not block:
                    return
                if self.lexer.open_size > STATEMENT_MAX_BYTES:
                    raise self._too_long(self.lexer.open_line)

    def _admitted(self, found: Iterator[splitter.Statement]) -> Iterator[Statement]:
        """The restore's policy over the splitter's statements, in order."""
        unended = None  # without a semicolon: the file's last statement, or one cut by a meta-command (next)
        for statement in found:
            if statement.is_meta:
                self._check_meta_command(statement, is_inside=unended is not None)
            elif statement.is_terminated:
                yield self._statement(statement)
            else:
                unended = self._statement(statement)
        if unended is not None:
            yield unended

    def _statement(self, statement: splitter.Statement) -> Statement:
        source = self.lexer.source(statement)
        if len(source) > STATEMENT_MAX_BYTES:
            raise self._too_long(statement.line)
        if statement.first_word in ("SET", "RESET") and (match := SET_STD_STRINGS.fullmatch(statement.sql)):
            self.is_standard_strings = (match.group(1) or "on").lower() in ("on", "true", "default")
            self.lexer.set_std_strings(self.is_standard_strings)  # the lexer follows from the next line, as psql
        if not is_copy_from_stdin(statement):
            return Statement(as_sent(statement, source), statement.line)
        end_line = statement.line + source.count("\n")
        self.stream.seek(self.origin + statement.end)  # the data starts on the next line of the file
        self.line = end_line
        if self.stream.readline(STATEMENT_MAX_BYTES + 1).strip():
            raise ScriptError(end_line, "nothing may follow COPY … FROM stdin; on its line (its data starts on "
                              "the next line).")
        return Statement(as_sent(statement, source), statement.line, True, self._copy_data())

    def _check_meta_command(self, statement: splitter.Statement, is_inside: bool) -> None:
        """pg_dump's \\restrict KEY … \\unrestrict KEY, outside any statement, pass; any other refuses the file."""
        match = RESTRICT.fullmatch(statement.sql)
        if match is None or is_inside:
            raise ScriptError(statement.line, meta_command_refusal(statement.first_word))
        command, key = match.groups()
        if command == "restrict" and self.restrict_key is None:
            self.restrict_key = key
        elif command != "unrestrict" or key != self.restrict_key:
            raise ScriptError(statement.line, f"\\{command} {key} is out of place: a file may have one "
                              "\\restrict KEY line and then \\unrestrict with the same KEY, as pg_dump writes them.")

    def _too_long(self, line: int) -> ScriptError:
        return ScriptError(line, f"the statement is longer than {STATEMENT_MAX_BYTES >> 20} MiB; split it, or "
                           "restore this file with psql yourself.")

    def _read_block(self) -> str:
        """Whole lines of SQL, about SQL_BLOCK_BYTES of them (empty at the end of the file).

        A block is no longer than a statement may be, so a line that is longer goes on past it and is caught
        when its end is read."""
        block = self.stream.read(min(SQL_BLOCK_BYTES, STATEMENT_MAX_BYTES))
        if block and not block.endswith(b"\n"):
            end = self.stream.readline(STATEMENT_MAX_BYTES + 1)
            if len(block) - block.rfind(b"\n") - 1 + len(end) > STATEMENT_MAX_BYTES:
                raise ScriptError(self.line + block.count(b"\n") + 1,
                                  f"the line is longer than {STATEMENT_MAX_BYTES >> 20} MiB.")
            block += end
        self.line += block.count(b"\n")
        return block.decode("latin-1")

    def _copy_data(self) -> Iterator[bytes]:
        """The lines after COPY … FROM stdin up to a line `\\.` (or the end of the file, as psql does), read in
        blocks; whatever follows the terminator is given back to the stream (a file: it seeks)."""
        pending, at_line_start = b"", True  # pending: the start of a line that may go on in the next block
        while True:
            block = self.stream.read(DATA_CHUNK_BYTES)
            text = pending + block
            for start in _candidate_lines(text, at_line_start):
                match = TERMINATOR.match(text, start)
                if match is None:
                    continue
                if not match.group(1) and block:
                    break  # the line may go on in the next block
                if start:
                    yield text[:start]
                consumed = match.end()
                self.line += text.count(b"\n", 0, consumed)
                self.stream.seek(consumed - len(text), os.SEEK_CUR)
                return
            if not block:
                if text:
                    yield text  # no later line needs a number
                return
            cut = text.rfind(b"\n") + 1
            if len(text) - cut > max(DATA_CHUNK_BYTES, 3):
                cut = len(text)  # a long line goes on in pieces: it is no terminator (at most "\\.\r")
            if cut:
                yield text[:cut]
                self.line += text.count(b"\n", 0, cut)
                at_line_start = text.endswith(b"\n", 0, cut)
            pending = text[cut:]
