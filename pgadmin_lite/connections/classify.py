"""What a statement is, from its words outside literals and comments: how the engine must send it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

# One token per match; literals and comments are matched whole so their words never count. {plain} is the
# plain '…' string: doubled quotes only, or (standard_conforming_strings off) backslash escapes as well.
_TOKENS = r"""
    [eE]'(?:\\.|''|[^'\\])*'?          # E'' string (backslash escapes)
  | {plain}
  | "(?:""|[^"])*"?                    # quoted identifier
  | --[^\n]*                           # line comment
  | /\*(?:.|\n)*?(?:\*/|\Z)            # block comment (nesting is rare in the words that matter here)
  | \$(?P<tag>[A-Za-z_][A-Za-z_0-9]*)?\$(?:.|\n)*?(?:\$(?P=tag)\$|\Z)  # dollar quote
  | (?P<word>[A-Za-z_][A-Za-z_0-9$]*)
  | .
"""
_TOKEN = re.compile(_TOKENS.replace("{plain}", r"'(?:''|[^'])*'?"), re.VERBOSE | re.DOTALL)
_TOKEN_BACKSLASHES = re.compile(_TOKENS.replace("{plain}", r"'(?:\\.|''|[^'\\])*'?"), re.VERBOSE | re.DOTALL)

DECLARABLE_FIRST = frozenset({"SELECT", "VALUES", "TABLE", "WITH"})
NOT_DECLARABLE = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE", "INTO"})  # data-changing CTEs, SELECT INTO
TRANSACTION_END = frozenset({"COMMIT", "END"})


class Copy(Enum):
    """Which way a COPY statement's data flows through this connection, if at all."""

    NONE = "none"
    OUT = "out"
    IN = "in"


@dataclass(frozen=True)
class Kind:
    """The words of one statement the engine decides on (upper-cased, outside literals and comments)."""

    words: tuple[str, ...]

    @property
    def first(self) -> str:
        return self.words[0] if self.words else ""

    def starts(self, *words: str) -> bool:
        return self.words[:len(words)] == words

    @property
    def is_declarable(self) -> bool:
        """A read-only query DECLARE accepts, so it can run server-side and be paged or moved to its end."""
        return self.first in DECLARABLE_FIRST and not (set(self.words) & NOT_DECLARABLE)

    @property
    def copy(self) -> Copy:
        if self.first != "COPY":
            return Copy.NONE
        if "STDOUT" in self.words:
            return Copy.OUT
        return Copy.IN if "STDIN" in self.words else Copy.NONE

    @property
    def is_commit(self) -> bool:
        """COMMIT / END: a server answering ROLLBACK means nothing was committed."""
        return self.first in TRANSACTION_END

    @property
    def no_begin(self) -> bool:
        """psql's command_no_begin: with AUTOCOMMIT off, no BEGIN is sent before these."""
        if self.first in {"ABORT", "BEGIN", "START", "COMMIT", "END", "ROLLBACK"}:
            return True
        if self.starts("PREPARE", "TRANSACTION") or self.first in {"SAVEPOINT", "RELEASE"}:
            return True
        return self.cannot_run_in_transaction

    @property
    def cannot_run_in_transaction(self) -> bool:
        """Statements PostgreSQL refuses inside a transaction block (psql's list)."""
        w = self.words
        if self.first == "VACUUM" or self.starts("ALTER", "SYSTEM") or self.starts("DISCARD", "ALL"):
            return True
        if self.first == "CLUSTER" and len(w) == 1:
            return True
        if self.first in {"CREATE", "DROP"}:
            if w[1:2] in (("DATABASE",), ("TABLESPACE",)) or self.starts("CREATE", "SUBSCRIPTION"):
                return True
            return "INDEX" in w[1:3] and "CONCURRENTLY" in w[2:4]
        if self.first == "REINDEX":
            return "CONCURRENTLY" in w or bool(set(w[1:3]) & {"SYSTEM", "DATABASE"})
        return False

    @property
    def destroys_portals(self) -> bool:
        """The user's statement ends every portal of the transaction (or every portal at all)."""
        return self.first in {"COMMIT", "END", "ROLLBACK", "ABORT"} or self.starts("CLOSE", "ALL") \
            or self.first == "DISCARD" or self.starts("PREPARE", "TRANSACTION")


def kind_of(statement: str, std_strings: bool = True) -> Kind:
    """The statement's words, upper-cased, in order; std_strings: standard_conforming_strings as it was lexed."""
    tokens = _TOKEN if std_strings else _TOKEN_BACKSLASHES
    return Kind(tuple(m.group("word").upper() for m in tokens.finditer(statement) if m.group("word")))


def savepoint_name(statement: str) -> str | None:
    """The savepoint a SAVEPOINT / RELEASE / ROLLBACK TO names, folded as PostgreSQL folds identifiers."""
    names = [m.group(0) for m in _TOKEN.finditer(statement) if m.group("word") or m.group(0).startswith('"')]
    if not names:
        return None
    last = names[-1]
    return last[1:-1].replace('""', '"') if last.startswith('"') else last.lower()


def savepoint_action(kind: Kind) -> str | None:
    """'set' | 'release' | 'rollback_to' for the savepoint statements, None for any other."""
    if kind.first == "SAVEPOINT":
        return "set"
    if kind.first == "RELEASE":
        return "release"
    if kind.first in {"ROLLBACK", "ABORT"} and "TO" in kind.words:
        return "rollback_to"
    return None
