"""Read a plain SQL file as psql's lexer would, without obeying it: no client-side command ever runs.

Statements end at a semicolon outside quotes, comments, parentheses and BEGIN … END function bodies (psql's
own rules); `COPY … FROM stdin;` is followed by its data up to a line `\\.`; a backslash anywhere else outside
a literal starts a psql meta-command, and the file is refused with its line, except the `\\restrict KEY` /
`\\unrestrict KEY` pair that pg_dump writes (since 17.6, 16.10, 15.14, …). The file is read from a seekable
stream, SQL line by line and COPY data in blocks, as bytes (psql sends them as they are), so memory stays
bounded by the longest statement.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

STATEMENT_MAX_BYTES = 256 << 20  # psql itself holds a statement in memory; so do we, up to this size
DATA_CHUNK_BYTES = 256 << 10  # COPY data is read, and passed on, in blocks of about this size
WORD_CHARS = rb"A-Za-z_\x80-\xff"
CODE_TOKEN = re.compile(rb"""
    (?P<space>\s+)
  | (?P<comment>--[^\n]*)
  | (?P<block>/\*)
  | (?P<word>[%(w)s][%(w)s0-9$]*)
  | (?P<dollar>\$(?:[%(w)s][%(w)s0-9]*)?\$)
  | (?P<number>\$?[0-9][A-Za-z0-9_.]*)
  | (?P<punct>['"\\;()])
  | (?P<other>[-/$]|[^-/$\sA-Za-z_\x80-\xff0-9'"\\;()]+)
""" % {b"w": WORD_CHARS}, re.VERBOSE)
PLAIN_RUN = re.compile(rb"[^'\"$\-/\\;()]+")
IDENT_BYTE = re.compile(rb"[A-Za-z0-9_$\x80-\xff]")
TERMINATOR = re.compile(rb"\\\.\r?(\n|\Z)")  # the line that ends COPY data
BLOCK_MARK = re.compile(rb"/\*|\*/")
LITERAL_ENDS = {"quote": re.compile(rb"'"), "escape_quote": re.compile(rb"\\.?|'", re.S),
                "ident": re.compile(rb'"')}
RESTRICT_LINE = re.compile(rb"\\(restrict|unrestrict) ([A-Za-z0-9]+)[ \t]*\r?\n?\Z")
META_NAME = re.compile(rb"\\[^\s\\]{0,30}")
SET_STD_STRINGS = re.compile(rb"(?i)(?:set\s+(?:session\s+|local\s+)?standard_conforming_strings\s*(?:=|\bto\b)\s*'?"
                             rb"(on|off|true|false|default)'?|reset\s+(?:standard_conforming_strings|all))\s*;?\s*\Z")
HEAD_WORDS = (b"create", b"or", b"replace", b"function", b"procedure")


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


@dataclass
class _Lexer:
    """psql's lexer state between lines: where we are (code, a literal, a comment) and the statement so far."""

    std_strings: bool = True
    mode: str = "code"  # code | quote | escape_quote | ident | dollar | comment
    dollar_tag: bytes = b""
    comment_depth: int = 0
    paren_depth: int = 0
    begin_depth: int = 0
    heads: str = ""
    first_word: bytes = b""
    last_word: bytes = b""
    is_copy_in: bool = False
    has_code: bool = False  # more than comments so far
    needs_words: bool = True  # False once no later word can change how the statement is read
    buffer: bytearray = field(default_factory=bytearray)
    start_line: int = 0

    def scan(self, line: bytes, number: int) -> Iterator[tuple[Statement | None, int]]:
        """Feed one line; yields each statement it completes (None for an empty one) and where it ended."""
        pos, start = 0, 0  # start: where the unbuffered part of the statement begins in this line
        while pos < len(line):
            if self.mode != "code":
                pos = self._skip_literal(line, pos)
                continue
            if self.has_code and not self.needs_words and (run := PLAIN_RUN.match(line, pos)):
                pos = run.end()  # words, numbers and operators that change nothing: skipped at regex speed
                continue
            match = CODE_TOKEN.match(line, pos)
            assert match is not None  # the alternatives cover every byte
            kind, text, end = match.lastgroup, match.group(), match.end()
            if kind in ("space", "comment") and not self.buffer and start == pos:
                start = end  # leading blanks and -- comments are not sent, as in psql
            elif kind == "punct" and text == b";" and not (self.paren_depth or self.begin_depth):
                yield self._complete(line[start:end], number), end
                start = end
            elif kind == "punct" and text == b"\\":
                raise ScriptError(number, meta_command_refusal(line, pos))
            else:
                self._code_token(kind, text, line, pos, number, start)
            pos = end
        self._append(line[start:], number)

    def _code_token(self, kind: str | None, text: bytes, line: bytes, pos: int, number: int, start: int) -> None:
        if not self.buffer and start == pos:
            self.start_line = number
        self.has_code = self.has_code or kind not in ("space", "comment", "block")
        if kind == "block":
            self.mode, self.comment_depth = "comment", 1
        elif kind == "dollar" and not (pos and IDENT_BYTE.match(line, pos - 1)):  # a$b$ is a name, as in psql
            self.mode, self.dollar_tag = "dollar", text
        elif kind == "word":
            self._word(text.lower())
        elif text == b"'":
            self.mode = self._quote_mode(line, pos)
        elif text == b'"':
            self.mode = "ident"
        elif text == b"(":
            self.paren_depth += 1
        elif text == b")" and self.paren_depth:
            self.paren_depth -= 1

    def _is_function_head(self) -> bool:
        return self.heads[:2] in ("cf", "cp") or self.heads in ("corf", "corp")

    def _quote_mode(self, line: bytes, pos: int) -> str:
        """E'…' takes backslash escapes, B'…' and X'…' never do, '…' does when standard_conforming_strings is off."""
        prefix = line[pos - 1:pos].lower() if pos and not (pos > 1 and IDENT_BYTE.match(line, pos - 2)) else b""
        if prefix == b"e" or (prefix not in (b"b", b"x") and not self.std_strings):
            return "escape_quote"
        return "quote"

    def _word(self, word: bytes) -> None:
        """psql's heuristic for BEGIN … END bodies of SQL functions, and the COPY … FROM stdin test."""
        if len(self.heads) < 4:  # psql: the initials of CREATE [OR REPLACE] FUNCTION|PROCEDURE, by position
            self.heads += chr(word[0]) if word in HEAD_WORDS else " "
        self.first_word = self.first_word or word
        if self.paren_depth == 0 and self.first_word == b"copy" and self.last_word == b"from" and word == b"stdin":
            self.is_copy_in = True
        self.last_word = word
        # words still matter in the first four, all of a COPY, and those of a function's body
        self.needs_words = len(self.heads) < 4 or self.first_word == b"copy" or self._is_function_head()
        if self.paren_depth or not self._is_function_head():
            return
        if word == b"begin" or (word == b"case" and self.begin_depth):
            self.begin_depth += 1
        elif word == b"end" and self.begin_depth:
            self.begin_depth -= 1

    def _skip_literal(self, line: bytes, pos: int) -> int:
        """The position after the literal or comment that the lexer is inside (or the line's end)."""
        if self.mode == "dollar":
            end = line.find(self.dollar_tag, pos)
            if end < 0:
                return len(line)
            self.mode = "code"
            return end + len(self.dollar_tag)
        if self.mode == "comment":
            for mark in BLOCK_MARK.finditer(line, pos):
                self.comment_depth += 1 if mark.group() == b"/*" else -1
                if not self.comment_depth:
                    self.mode = "code"
                    return mark.end()
            return len(line)
        pattern = LITERAL_ENDS[self.mode]
        while mark := pattern.search(line, pos):
            pos, text = mark.end(), mark.group()
            if text.startswith(b"\\"):  # an escaped character
                continue
            if line[pos:pos + 1] == text:  # a doubled quote
                pos += 1
                continue
            self.mode = "code"
            return pos
        return len(line)

    def _append(self, text: bytes, number: int) -> None:
        if len(self.buffer) + len(text) > STATEMENT_MAX_BYTES:
            raise ScriptError(self.start_line or number, f"the statement is longer than {STATEMENT_MAX_BYTES >> 20} "
                              "MiB; split it, or restore this file with psql yourself.")
        self.buffer += text

    def _complete(self, tail: bytes, number: int) -> Statement | None:
        self._append(tail, number)
        statement = Statement(bytes(self.buffer), self.start_line, self.is_copy_in) if self.has_code else None
        if statement is not None and self.first_word in (b"set", b"reset"):
            self._follow_std_strings(statement.sql)
        self.buffer.clear()
        self.heads, self.first_word, self.last_word, self.is_copy_in, self.has_code = "", b"", b"", False, False
        self.needs_words = True
        return statement

    def _follow_std_strings(self, text: bytes) -> None:
        """A SET of standard_conforming_strings changes what a backslash in '…' means from here on."""
        match = SET_STD_STRINGS.match(text)
        if match:
            self.std_strings = (match.group(1) or b"on").lower() in (b"on", b"true", b"default")

    def finish(self) -> Statement | None:
        """The statement left without a semicolon at the end of the file (psql sends it too)."""
        return Statement(bytes(self.buffer), self.start_line, self.is_copy_in) if self.has_code else None


def meta_command_refusal(line: bytes, pos: int) -> str:
    """Why a backslash outside a literal is refused: it starts a psql meta-command."""
    match = META_NAME.match(line, pos)
    name = (match.group() if match else b"\\").decode("utf-8", "replace")
    return (f"the psql meta-command {name} is not allowed in a restore: the file is run statement by statement, "
            "never by psql. Remove the line (a dump from pg_dump has none).")


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
        self.line = 0  # lines read so far
        self.lexer = _Lexer()
        self.restrict_key: bytes | None = None

    @property
    def is_standard_strings(self) -> bool:
        """What the file has set standard_conforming_strings to so far (on until it says otherwise)."""
        return self.lexer.std_strings

    def __iter__(self) -> Iterator[Statement]:
        while line := self._read_line():
            if self._is_restrict_line(line):
                continue
            for statement, end in self.lexer.scan(line, self.line):
                if statement is not None:
                    yield from self._with_data(statement, line[end:])
        last = self.lexer.finish()
        if last is not None:
            yield from self._with_data(last, b"")

    def _with_data(self, statement: Statement, rest_of_line: bytes) -> Iterator[Statement]:
        """The statement; after a COPY … FROM stdin, its data is read (by the caller, or skipped here)."""
        if not statement.is_copy_in:
            yield statement
            return
        if rest_of_line.strip():
            raise ScriptError(self.line, "nothing may follow COPY … FROM stdin; on its line (its data starts on "
                              "the next line).")
        statement.data = self._copy_data()
        yield statement
        for _ in statement.data:  # whatever the caller did not read is still data, not SQL
            pass

    def _read_line(self) -> bytes:
        line = self.stream.readline(STATEMENT_MAX_BYTES + 1)
        if line:
            self.line += 1
        if len(line) > STATEMENT_MAX_BYTES:
            raise ScriptError(self.line, f"the line is longer than {STATEMENT_MAX_BYTES >> 20} MiB.")
        return line

    def _is_restrict_line(self, line: bytes) -> bool:
        """pg_dump's \\restrict KEY … \\unrestrict KEY lines, outside any statement: checked, then skipped."""
        match = RESTRICT_LINE.match(line)
        if match is None or self.lexer.mode != "code" or self.lexer.buffer.strip():
            return False
        command, key = match.groups()
        if command == b"restrict" and self.restrict_key is None:
            self.restrict_key = key
        elif command != b"unrestrict" or key != self.restrict_key:
            raise ScriptError(self.line, f"\\{command.decode()} {key.decode()} is out of place: a file may have one "
                              "\\restrict KEY line and then \\unrestrict with the same KEY, as pg_dump writes them.")
        return True

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
