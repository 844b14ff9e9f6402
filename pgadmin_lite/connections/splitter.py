"""Split a script into statements exactly where psql would send them (a psql-style lexer of our own).

Why our own lexer and not PostgreSQL's parser (pglast / libpg_query): what the user's script means is
decided by psql, and psql never parses SQL — its lexer (src/fe_utils/psqlscan.l) only finds the
semicolons that end a statement, and sends each piece as written, valid or not. A parser rejects a
script with one invalid statement as a whole (or cuts it elsewhere), cannot follow
`standard_conforming_strings` as the server changes it mid-script, and knows nothing of psql's own
rules (backslash meta-commands, `\\;`, the `BEGIN ATOMIC` heuristic). So boundaries come from a lexer
that follows psqlscan.l's rules; the server's parser then judges each statement, as under psql.

The rules, as psql applies them:
- strings: `'…'` with `''` doubled; `E'…'` with backslash escapes; plain `'…'` too while
  `standard_conforming_strings` is off; `U&'…'` (its `UESCAPE '…'` is an ordinary string after it),
  `B'…'`, `X'…'`, `N'…'`. psql never sees a string continued on the next line (`E'a'<newline>'b'`):
  it lexes line by line, so the second part is lexed as a new string (the server joins them);
  `1e'x'` and `1e$$` are a number with "junk" (PostgreSQL 15), not an E'' string or a dollar quote;
- quoted identifiers `"…"` and `U&"…"` with `""` doubled; dollar quotes `$$…$$`, `$tag$…$tag$`
  (`$1` is a parameter; `a$b` an identifier);
- `-- …` to the end of the line; `/* … */` nested; a `;` inside parentheses does not end a statement;
- in `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, a `BEGIN … END` (with `CASE … END` inside it) outside
  parentheses holds its semicolons (psql's heuristic on the statement's first identifiers);
- psql reads line by line and takes `standard_conforming_strings` from the server when it starts a
  line: a value changed by a statement applies from the next line (`ScriptSplitter.set_std_strings`);
- a backslash outside quotes starts a psql meta-command (to the end of the line): it comes back as a
  statement with `is_meta` so the engine can refuse it; the pending statement before it is ended there
  (psql would keep it in its buffer, or send it on `\\g`). `\\;` and `\\:` put `;` / `:` into the
  statement without ending it, as in psql;
- what remains at the end of the script is sent as the last statement (psql does the same); pieces
  holding only white space and comments are dropped (psql would send an empty query);
- not handled: psql variables (`:name`), and the data lines psql reads after `COPY … FROM STDIN`
  (the engine refuses that statement; a restore reads the data itself and resumes with `StreamSplitter.restart`);
- white space is ASCII's, as psql's: a script read as bytes can be lexed as latin-1 text, each byte one character
  (bytes >= 0x80 are identifier characters in psql, and in this lexer too), so the bytes come back unchanged.

A stream too large to hold (a multi-GB dump) is fed whole lines at a time to a `StreamSplitter`, which yields
each statement once its end has been read, with offsets and lines counted from the stream's start.

Speed (bench/splitter.py, >= 20 MB/s): a statement of plain tokens is matched whole by one regular
expression; otherwise the scanner jumps from one character that can change its state to the next,
counting parentheses in bulk, and looks at identifiers only while psql's heuristic needs them.
psql agrees: tests/integration/parity/test_splitter_psql.py and test_splitter_fuzz.py compare our
statements with psql's own query log.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

_CONT = r"A-Za-z0-9_$\x80-\U0010ffff"
_IDENT = r"[A-Za-z_\x80-\U0010ffff][" + _CONT + r"]*"
# A number and the identifier psql 15 lexes into it as "junk" (1e'x' is not E'x', 1e$$ opens no quote).
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?:" + _IDENT + ")?"

# When identifiers no longer matter: a run of plain tokens and of strings that lex the same whatever their
# kind (E, U&, B, X, N or none) and standard_conforming_strings: no backslash, no parenthesis inside (so
# parentheses can be counted over the run), not followed by a line break that could continue them.
_STRING = r"'[^'\\()]*+(?:''[^'\\()]*+)*+'(?![ \t\f]*\r)"
_SEGMENT = r"(?:[^;'\"$\\/\-]++|/(?!\*)|-(?!-)|" + _STRING + ")*+"
SEGMENT = re.compile(_SEGMENT)
# A whole statement of one first word (not CREATE: psql's heuristic would need the next ones) and plain
# tokens, with parentheses nested at most twice and holding no semicolon: most statements of a dump.
_FLAT = r"(?:[^;'\"$\\/\-()]++|/(?!\*)|-(?!-)|" + _STRING + ")*+"
WHOLE = re.compile(r"[ \t\n\r\f]*+(" + _IDENT + ")(?!['&\"])" + _FLAT
                   + r"(?:\(" + _FLAT + r"(?:\(" + _FLAT + r"\)" + _FLAT + r")*+\)" + _FLAT + ")*+;")
SLOW = re.compile(r"[;'\"$\\]|--|/\*|" + _NUMBER + "|" + _IDENT)  # while they do
# re-lexes a run of identifier characters: numbers and parameters (with their junk), a lone $, identifiers
RUN_TOKEN = re.compile(r"(?:\d+(?:[eE]\d+)?|\$\d+)(" + _IDENT + r")?|\$|" + _IDENT)
IDENT_RUN = re.compile("[" + _CONT + "]*")
DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_\x80-\U0010ffff]*)?\$")
PARAM = re.compile(r"\$(?:\d+(?:" + _IDENT + r")?)?")  # $1, its junk ($1e), or a lone $
PLAIN_BODY = re.compile(r"[^']*(?:''[^']*)*'")  # after the opening quote, through the closing one
ESCAPE_BODY = re.compile(r"[^'\\]*(?:(?:\\.|'')[^'\\]*)*'", re.DOTALL)
BIT_BODY = re.compile(r"[^']*'")
IDENT_BODY = re.compile(r'[^"]*(?:""[^"]*)*"')
# A string continued after a line break; psql lexes line by line (a line ends at \n), so only \r can do it.
CONTINUATION = re.compile(r"[ \t\f]*\r(?:[ \t\r\f]+|--[^\n\r]*\r)*'")
COMMENT_MARK = re.compile(r"/\*|\*/")
NEWLINE = re.compile(r"[\n\r]")
NON_SPACE = re.compile(r"[^ \t\n\r\f]")
NOT_LEAD = re.compile(r"[^ \t\n\r\f(]")
SPACE = " \t\n\r\f\v"  # what psql takes for white space (str.strip() alone would strip more)
IDENT_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$")
HEURISTIC_WORDS = frozenset({"create", "function", "procedure", "or", "replace"})


class Token(NamedTuple):
    """A lexeme outside the statement structure: where it lies in the text, and what it is."""

    kind: str  # "word", "string" (any prefix), "dollar" (a dollar-quoted string), "ident" (quoted), "comment", "other"
    start: int
    end: int


class Statement(NamedTuple):
    """One statement as psql would send it, and where it lies in the script (for error positions)."""

    sql: str  # the text sent, without the ending semicolon and trailing white space
    offset: int  # index of sql[0] in the script
    end: int  # index just past the statement's semicolon (or the end of the script)
    first_word: str  # first keyword, upper-cased, after leading comments and parentheses ("" if none)
    line: int  # 1-based line of offset
    is_meta: bool = False  # a psql backslash command, never to be sent to the server
    is_terminated: bool = True  # ended by a semicolon (False: the rest of the script, or cut by a meta-command)
    std_strings: bool = True  # standard_conforming_strings at the statement's first character (how its words are read)

    @property
    def words(self) -> tuple[str, ...]:
        """The statement's identifiers and keywords, upper-cased, outside literals and comments."""
        return statement_words(self.sql, self.std_strings)


def _is_cont(ch: str) -> bool:
    return ch in IDENT_CHARS or ch >= "\x80"


def _last_token(text: str, low: int, end: int) -> tuple[int, str]:
    """Start and kind ("ident", "junk" or "other") of the token ending at `end` in a run of identifier characters."""
    start = end
    while start > low and _is_cont(text[start - 1]):
        start -= 1
    last = None
    for last in RUN_TOKEN.finditer(text, start, end):  # noqa: B007 - the last token is the one wanted
        pass
    if last is None:
        return end, "other"
    if last.group(1):
        return last.start(), "junk"
    first = last.group()[0]
    return last.start(), "other" if first in "0123456789$" else "ident"


class ScriptSplitter:
    """Lazy statement iterator: the engine may report standard_conforming_strings between statements."""

    def __init__(self, text: str, std_strings: bool = True, *, collect_words: bool = False,
                 top_level: bool = False, collect_tokens: bool = False) -> None:
        self._text = text
        self._pos = 0
        self._line, self._line_pos = 1, 0
        self._std, self._next_std, self._switch_at = std_strings, std_strings, 0
        self._collect = collect_words or collect_tokens
        self.tokens: list[Token] | None = [] if collect_tokens else None  # words, literals and comments, in order
        self._top_level = top_level  # collect only the words outside parentheses
        self.words: list[str] = []

    def __iter__(self) -> Iterator[Statement]:
        return self

    def __next__(self) -> Statement:
        whole = None if self._collect else WHOLE.match(self._text, self._pos)  # the fast path sees no tokens
        if whole is not None and (statement := self._whole(whole)) is not None:
            return statement
        while self._pos < len(self._text):
            piece = _Piece(self, self._pos)
            self._pos = end = piece.run()
            statement = piece.statement(end)
            if statement is not None:
                return statement
        raise StopIteration

    def _whole(self, whole: re.Match[str]) -> Statement | None:
        """The fast path for a statement WHOLE matched (None for CREATE, which takes the full path)."""
        text, start, semicolon = self._text, whole.start(1), whole.end() - 1
        first = whole.group(1).upper()
        if first == "CREATE":
            return None
        self._pos = whole.end()
        return Statement(text[start:semicolon].rstrip(SPACE), start, semicolon + 1, first, self._line_of(start),
                         std_strings=self._std_at(start))

    def set_std_strings(self, value: bool) -> None:
        """standard_conforming_strings as the server reports it now; psql applies it from the next line."""
        if self._pos >= self._switch_at:
            self._std = self._next_std
        newline = self._text.find("\n", self._pos)
        self._switch_at = len(self._text) if newline < 0 else newline + 1
        self._next_std = value

    def _std_at(self, pos: int) -> bool:
        return self._next_std if pos >= self._switch_at else self._std

    def _line_of(self, offset: int) -> int:
        self._line += self._text.count("\n", self._line_pos, offset)
        self._line_pos = offset
        return self._line

    def _rest(self, at: int, more: str) -> ScriptSplitter:
        """A splitter over text[at:] + more, in this one's state at `at`: its line and standard_conforming_strings."""
        rest = ScriptSplitter(self._text[at:] + more, self._std_at(at))
        rest._line = self._line_of(at)
        if self._switch_at > at:  # a value reported but not applied yet: from the same line on
            rest._std, rest._next_std, rest._switch_at = self._std, self._next_std, self._switch_at - at
        return rest


class _Piece:
    """The lexer state of one statement (psql's paren_depth, begin_depth and identifier slots)."""

    def __init__(self, owner: ScriptSplitter, pos: int) -> None:
        self.owner, self.text, self.pos = owner, owner._text, pos
        self.start: int | None = None
        self.has_content = False
        self.is_lead = True  # nothing but white space, comments and "(" so far: the next word is first_word
        self.first_word = ""
        self.depth = self.begin_depth = self.word_count = 0
        self.slots = ["", "", "", ""]
        self.forced: list[int] = []  # positions of the backslash in \; and \:
        self.sql_end = len(self.text)
        self.is_terminated = False
        self.meta: tuple[int, int] | None = None
        self.std_strings = owner._std_at(pos)

    def needs_words(self) -> bool:
        """Whether psql's BEGIN ATOMIC heuristic may still look at identifiers in this statement."""
        if self.owner._collect:
            return True
        s, n = self.slots, self.word_count
        if s[0] != "c":
            return n == 0
        if s[1] in ("f", "p"):
            return True
        if n == 1:
            return True
        if s[1] != "o" or (n >= 3 and s[2] != "r"):
            return False
        return n < 4 or s[3] in ("f", "p")

    def mark(self, at: int, content: bool = True) -> None:
        if self.start is None:
            self.start = at
        if content:
            self.has_content = True
            self.is_lead = False

    def segment(self, low: int, high: int) -> None:
        """Plain tokens between two events: note content and count parentheses."""
        text = self.text
        if self.is_lead:
            found = NON_SPACE.search(text, low, high)
            if found:
                if self.start is None:
                    self.start = found.start()
                self.has_content = True
                self.is_lead = NOT_LEAD.search(text, low, high) is None
        elif not self.has_content:
            found = NON_SPACE.search(text, low, high)
            if found:
                self.mark(found.start())
        opens = text.count("(", low, high)
        if not (opens or self.depth):
            return
        closes = text.count(")", low, high)
        if closes <= self.depth:
            self.depth += opens - closes
            return
        for ch in text[low:high]:  # a ")" with nothing open: psql ignores it, so walk exactly
            if ch == "(":
                self.depth += 1
            elif ch == ")" and self.depth:
                self.depth -= 1

    def run(self) -> int:
        """Lex to the end of the statement; returns where the next one starts."""
        text, n, pos = self.text, len(self.text), self.pos
        while True:
            slow = self.needs_words()
            if slow:
                found = SLOW.search(text, pos)
                at = found.start() if found else n
            else:
                found, at = None, SEGMENT.match(text, pos).end()  # type: ignore[union-attr]
            if at > pos:
                if self.has_content and not (self.depth or text.count("(", pos, at)):
                    pass  # the common case, inline: nothing open, nothing opened
                else:
                    self.segment(pos, at)
            if at >= n:
                return n
            ch = text[at]
            if ch == ";":
                if self.depth == 0 and self.begin_depth == 0:
                    self.mark(at, content=False)
                    self.sql_end, self.is_terminated = at, True
                    return at + 1
                self.mark(at)
                pos = at + 1
            elif ch == "'":
                pos = self.quote(at, pos, slow)
                self.note("string", at, pos)
            elif ch == '"':
                self.mark(at)
                pos = self.after(IDENT_BODY, at + 1)
                self.note("ident", at, pos)
            elif ch == "$":
                pos = self.dollar(at, pos, slow)
            elif ch == "\\":
                if text.startswith((";", ":"), at + 1):
                    self.mark(at)
                    self.forced.append(at)
                    if text[at + 1] == ";":
                        self.word_count = 0
                        self.slots = ["", "", "", ""]
                    pos = at + 2
                    continue
                return self.meta_command(at)
            elif ch == "-":
                newline = NEWLINE.search(text, at)
                pos = n if newline is None else newline.end()
                self.note("comment", at, pos)
            elif ch == "/":
                self.mark(at, content=False)
                pos = self.block_comment(at + 2)
                self.note("comment", at, pos)
            elif ch in "0123456789.":  # not str.isdigit(): "²" starts an identifier, as in psql
                self.mark(at)
                pos = found.end()  # type: ignore[union-attr]
                self.note("other", at, pos)
            else:
                pos = self.word(found)  # type: ignore[arg-type]

    def note(self, kind: str, start: int, end: int) -> None:
        """Record a token when the owner collects them (masking secrets in the history needs where literals lie)."""
        if self.owner.tokens is not None:
            self.owner.tokens.append(Token(kind, start, end))

    def after(self, body: re.Pattern[str], pos: int) -> int:
        found = body.match(self.text, pos)
        return len(self.text) if found is None else found.end()

    def quote(self, at: int, low: int, slow: bool) -> int:
        """A string starting at `at` (its prefix, if any, already seen in slow mode or found here)."""
        kind = ""
        if not slow and at > low:
            prev = self.text[at - 1]
            if prev == "&" and at - 2 >= low and self.text[at - 2] in "uU":
                start, lexed = _last_token(self.text, low, at - 1)
                kind = "u" if lexed == "ident" and start == at - 2 else ""
            elif prev in "eEbBxXnN":
                if at - 1 == low or not _is_cont(self.text[at - 2]):
                    kind = prev.lower()
                else:
                    start, lexed = _last_token(self.text, low, at)
                    kind = prev.lower() if lexed == "ident" and start == at - 1 else ""
        self.mark(at - len(kind) - (kind == "u"))
        return self.string(kind, at + 1)

    def string(self, kind: str, pos: int) -> int:
        """Lex a string body of the given kind ('' plain, 'e', 'b', 'x', 'n', 'u') from after its quote."""
        if kind in ("b", "x"):
            body = BIT_BODY
        elif kind == "e" or (kind in ("", "n") and not self.owner._std_at(pos - 1)):
            body = ESCAPE_BODY
        else:
            body = PLAIN_BODY
        text = self.text
        while True:
            pos = self.after(body, pos)
            if pos >= len(text) or text[pos] not in " \t\f\r":
                return pos
            more = CONTINUATION.match(text, pos)
            if more is None:
                return pos
            pos = more.end()

    def dollar(self, at: int, low: int, slow: bool) -> int:
        """A `$`: inside an identifier (or a number's junk), a dollar quote, or a parameter."""
        text = self.text
        if not slow and at > low and _is_cont(text[at - 1]) and _last_token(text, low, at)[1] != "other":
            return IDENT_RUN.match(text, at).end()  # type: ignore[union-attr]
        self.mark(at)
        tag = DOLLAR_TAG.match(text, at)
        if tag is None:
            end = PARAM.match(text, at).end()  # type: ignore[union-attr]
            self.note("other", at, end)
            return end
        close = text.find(tag.group(), tag.end())
        end = len(text) if close < 0 else close + len(tag.group())
        self.note("dollar", at, end)
        return end

    def block_comment(self, pos: int) -> int:
        depth = 1
        while depth:
            found = COMMENT_MARK.search(self.text, pos)
            if found is None:
                return len(self.text)
            depth += 1 if found.group() == "/*" else -1
            pos = found.end()
        return pos

    def word(self, found: re.Match[str]) -> int:
        """An identifier: a string prefix, or a word psql's BEGIN ATOMIC heuristic counts."""
        text, word, end = self.text, found.group(), found.end()
        if len(word) == 1 and end < len(text):
            kind = word.lower()
            if text[end] == "'" and kind in "ebxn":
                self.mark(found.start())
                after = self.string(kind, end + 1)
                self.note("string", found.start(), after)
                return after
            if kind == "u" and text.startswith(("&'", '&"'), end):
                self.mark(found.start())
                is_string = text[end + 1] == "'"
                after = self.string("u", end + 2) if is_string else self.after(IDENT_BODY, end + 2)
                self.note("string" if is_string else "ident", found.start(), after)
                return after
        if self.is_lead:
            self.first_word = word.upper()
        self.mark(found.start())
        self.note("word", found.start(), end)
        if self.owner._collect and not (self.depth and self.owner._top_level):
            self.owner.words.append(word.upper())
        lower = word.lower()
        if self.word_count < 4 and lower in HEURISTIC_WORDS:
            self.slots[self.word_count] = lower[0]
        self.word_count += 1
        s = self.slots
        if self.depth == 0 and s[0] == "c" and (s[1] in ("f", "p") or (s[1:3] == ["o", "r"] and s[3] in ("f", "p"))):
            if lower == "begin" or (lower == "case" and self.begin_depth):  # CASE ends with END too
                self.begin_depth += 1
            elif lower == "end" and self.begin_depth:
                self.begin_depth -= 1
        return end

    def meta_command(self, at: int) -> int:
        """A backslash command runs to the end of its line; a pending statement ends before it."""
        if self.has_content:
            self.sql_end = at
            return at
        newline = NEWLINE.search(self.text, at)
        self.meta = (at, len(self.text) if newline is None else newline.start())
        return self.meta[1]

    def statement(self, end: int) -> Statement | None:
        owner = self.owner
        if self.meta is not None:
            low, high = self.meta
            command = self.text[low:high].rstrip(SPACE)
            name = re.match(r"\\[^\s\\]*", command)
            return Statement(command, low, high, name.group() if name else "\\", owner._line_of(low), is_meta=True,
                             is_terminated=False, std_strings=self.std_strings)
        if not self.has_content or self.start is None:
            return None
        if self.forced:
            parts, last = [], self.start
            for at in self.forced:
                parts.append(self.text[last:at])
                last = at + 1
            parts.append(self.text[last:self.sql_end])
            sql = "".join(parts).rstrip(SPACE)
        else:
            sql = self.text[self.start:self.sql_end].rstrip(SPACE)
        return Statement(sql, self.start, end, self.first_word, owner._line_of(self.start),
                         is_terminated=self.is_terminated, std_strings=owner._std_at(self.start))


class StreamSplitter:
    """split_script over a stream read a few lines at a time, for a script too large to hold (a restore).

    feed() takes whole lines and yields the statements they complete; the one still open waits for more
    lines and is lexed again from its start only once as much text again has come (linear time for a long
    statement). Offsets and lines count from the stream's start, or from restart().
    """

    def __init__(self, std_strings: bool = True) -> None:
        self._lexer = ScriptSplitter("", std_strings)
        self._base = 0  # stream offset of the lexer's text
        self._open_at = 0  # where, in the lexer's text, the part not yielded yet starts
        self._fed: list[str] = []  # lines fed since the last lexing
        self._fed_size = 0

    @property
    def open_size(self) -> int:
        """Length of the statement still open (held until its end is fed)."""
        return len(self._lexer._text) - self._open_at

    @property
    def open_line(self) -> int:
        """Line on which the statement still open starts."""
        return self._lexer._line_of(self._open_at)

    def feed(self, lines: str) -> Iterator[Statement]:
        """The statements that lines (ending with a line break) complete; take them before feeding again."""
        self._fed.append(lines)
        self._fed_size += len(lines)
        return self._statements(is_end=False) if self._fed_size >= self.open_size else iter(())

    def finish(self) -> Iterator[Statement]:
        """The statements left at the end of the stream, the last one as split_script gives it."""
        return self._statements(is_end=True)

    def set_std_strings(self, value: bool) -> None:
        """As ScriptSplitter.set_std_strings, between two statements taken from feed() or finish()."""
        self._lexer.set_std_strings(value)

    def source(self, statement: Statement) -> str:
        """The text of the statement just taken, from its start through its semicolon, as it stands in the stream."""
        return self._lexer._text[statement.offset - self._base:statement.end - self._base]

    def restart(self, offset: int, line: int) -> None:
        """The stream goes on at offset, on that line: what is held was not SQL (COPY … FROM stdin data)."""
        self._lexer = ScriptSplitter("", self._lexer._std_at(len(self._lexer._text)))
        self._lexer._line = line
        self._base, self._open_at, self._fed, self._fed_size = offset, 0, [], 0

    def _statements(self, is_end: bool) -> Iterator[Statement]:
        lexer = self._lexer._rest(self._open_at, "".join(self._fed))
        self._base += self._open_at
        self._lexer, self._open_at, self._fed, self._fed_size = lexer, 0, [], 0
        base, size = self._base, len(lexer._text)
        for statement in lexer:
            if statement.end == size and not (statement.is_terminated or is_end):
                self._open_at = statement.offset  # its end is still to come
                return
            self._open_at = lexer._pos
            yield statement._replace(offset=base + statement.offset, end=base + statement.end)
            if self._lexer is not lexer:  # restarted
                return


def split_script(text: str, std_strings: bool = True) -> ScriptSplitter:
    """Statements one at a time; call set_std_strings() on the result between them as the server reports it."""
    return ScriptSplitter(text, std_strings)


def split_text(script: str, std_strings: bool = True) -> list[Statement]:
    """All statements at once, for a script whose standard_conforming_strings stays as given."""
    return list(ScriptSplitter(script, std_strings))


def statement_words(sql: str, std_strings: bool = True, *, top_level: bool = False) -> tuple[str, ...]:
    """Upper-cased identifiers and keywords of sql, outside literals and comments (and parentheses if top_level)."""
    lexer = ScriptSplitter(sql, std_strings, collect_words=True, top_level=top_level)
    for _ in lexer:
        pass
    return tuple(lexer.words)


def lex_tokens(text: str, std_strings: bool = True) -> list[Token]:
    """Words, literals and comments of text in order, lexed as the splitter lexes (psql's rules)."""
    lexer = ScriptSplitter(text, std_strings, collect_tokens=True)
    for _ in lexer:
        pass
    return lexer.tokens or []


def first_keyword(sql: str) -> str:
    """The first keyword of one statement's text, upper-cased, after leading comments and parentheses."""
    first = next(ScriptSplitter(sql), None)
    return first.first_word if first else ""


STREAMABLE_FIRST = frozenset({"SELECT", "VALUES", "TABLE", "WITH"})
NOT_DECLARABLE = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE", "INTO"})


def is_streamable(sql: str) -> bool:
    """A read-only query that a server-side cursor can page (DECLARE accepts it)."""
    return first_keyword(sql) in STREAMABLE_FIRST and not (set(statement_words(sql)) & NOT_DECLARABLE)
