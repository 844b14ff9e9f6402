"""Secrets in a script replaced by '***' before it is kept in the history (the original is never stored).

Found with the splitter's own lexer (psql's rules), so quotes, dollar quotes and comments mean what they mean
to the server, and lexed both with standard_conforming_strings on and off (a backslash ends a literal in one
reading and not in the other): whatever either reading takes for a secret is masked.
- a literal right after the word PASSWORD (CREATE/ALTER ROLE|USER … [ENCRYPTED] PASSWORD '…', and the
  `password '…'` option of USER MAPPING / SERVER OPTIONS), in any form: '…', E'…', U&'…', $tag$…$tag$;
- a connection string's password inside any literal (CREATE SUBSCRIPTION … CONNECTION '…', dblink_connect('…')):
  `password=…`, `sslpassword=…`, a URI's `user:…@` and its `?password=…`;
- a literal holding a statement that sets a password (dynamic SQL: EXECUTE 'ALTER ROLE … PASSWORD ''…''');
- the body of a dollar-quoted string (a DO block, a function) is masked by the same rules, as SQL of its own.
"""

from __future__ import annotations

import re

from pgadmin_lite.connections.splitter import Token, lex_tokens

MASK = "'***'"
SECRET_WORDS = frozenset({"PASSWORD", "SSLPASSWORD"})
LITERALS = frozenset({"string", "dollar"})
SPACE_ONLY = re.compile(r"[ \t\n\r\f\v]*")
CONNINFO_PASSWORD = re.compile(r"(?i)\b(?:ssl)?password[ \t\n\r\f]*=[ \t\n\r\f]*")
URI_PASSWORD = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^:/@\s'?]*:([^@\s']*)@")
NESTED_PASSWORD = re.compile(r"(?i)\bpassword\s+(?:[eu]&?)?(?:''|\\'|\$)")
DOLLAR_TAG = re.compile(r"\$[^$]*\$")
BLANK = re.compile(r"[\s']")
Span = tuple[int, int, str]  # start, end, replacement


def mask_secrets(sql: str) -> str:
    """sql with every secret the rules find replaced (the text is otherwise unchanged)."""
    spans = _merged(_secret_spans(sql, True) + _secret_spans(sql, False))
    if not spans:
        return sql
    parts, last = [], 0
    for start, end, replacement in spans:
        parts += [sql[last:start], replacement]
        last = end
    parts.append(sql[last:])
    return "".join(parts)


def _secret_spans(text: str, std_strings: bool) -> list[Span]:
    tokens = lex_tokens(text, std_strings)
    spans: list[Span] = []
    previous: Token | None = None
    for token in tokens:
        if token.kind == "comment":
            continue
        if token.kind in LITERALS:
            if previous is not None and _is_secret_word(text, previous) and _only_space_between(text, tokens,
                                                                                              previous, token):
                spans.append((token.start, token.end, MASK))
            else:
                spans += _literal_spans(text, token, std_strings)
        previous = token
    return spans


def _is_secret_word(text: str, token: Token) -> bool:
    return token.kind == "word" and text[token.start:token.end].upper() in SECRET_WORDS


def _only_space_between(text: str, tokens: list[Token], first: Token, second: Token) -> bool:
    """Nothing but white space and comments between two tokens (PASSWORD /* x */ '…' is still a password)."""
    pos = first.end
    for token in tokens:
        if token.kind != "comment" or token.start < first.end or token.end > second.start:
            continue
        if SPACE_ONLY.fullmatch(text, pos, token.start) is None:
            return False
        pos = token.end
    return SPACE_ONLY.fullmatch(text, pos, second.start) is not None


def _literal_spans(text: str, token: Token, std_strings: bool) -> list[Span]:
    """Secrets inside one literal: a dollar body (as SQL), a nested password statement, a conninfo password."""
    raw = text[token.start:token.end]
    if token.kind == "dollar":
        tag = DOLLAR_TAG.match(raw)
        size = len(tag.group()) if tag else 0
        is_closed = len(raw) >= 2 * size and raw.endswith(raw[:size])
        body_start, body_end = token.start + size, token.end - size if is_closed else token.end
        inner = _merged(_secret_spans(text[body_start:body_end], std_strings))
        return [(body_start + start, body_start + end, mask) for start, end, mask in inner] + _conninfo_spans(
            text, token, body_end, is_sql=True)
    if NESTED_PASSWORD.search(raw):
        return [(token.start, token.end, MASK)]
    return _conninfo_spans(text, token, token.end - 1 if raw.endswith("'") and len(raw) > 1 else token.end)


def _conninfo_spans(text: str, token: Token, body_end: int, *, is_sql: bool = False) -> list[Span]:
    """A connection string's password: to the next blank, or (quoted) to the literal's end.

    In a dollar body (is_sql) a quoted value is left to the body's own lexing: it is SQL, not a conninfo.
    """
    spans: list[Span] = []
    for found in CONNINFO_PASSWORD.finditer(text, token.start, body_end):
        start = found.end()
        if start < body_end and text[start] in "'\\\"":
            if not is_sql:
                spans.append((start, body_end, "***"))  # where a quoted value ends inside SQL quoting is unclear
            continue
        blank = BLANK.search(text, start, body_end)
        spans.append((start, blank.start() if blank else body_end, "***"))
    spans += [(found.start(1), found.end(1), "***") for found in URI_PASSWORD.finditer(text, token.start, body_end)]
    return [span for span in spans if span[1] > span[0]]


def _merged(spans: list[Span]) -> list[Span]:
    """Spans in order, overlapping ones joined (the wider replacement wins: a whole literal covers its parts)."""
    merged: list[Span] = []
    for start, end, replacement in sorted(spans, key=lambda span: (span[0], -span[1])):
        if merged and start < merged[-1][1]:
            low, high, kept = merged[-1]
            if end > high:
                kept = MASK if MASK in (kept, replacement) else kept
            merged[-1] = (low, max(high, end), kept)
        else:
            merged.append((start, end, replacement))
    return merged
