"""The statement splitter draws psql's boundaries: a table of scripts, the lazy std_strings switch, and a property."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgadmin_lite.connections.splitter import (
    Statement,
    StreamSplitter,
    first_keyword,
    is_streamable,
    split_script,
    split_text,
    statement_words,
)

# (script, the statements psql sends, without their semicolons), standard_conforming_strings on
CASES: list[tuple[str, list[str]]] = [
    ("", []),
    ("   \n\t ", []),
    ("select 1", ["select 1"]),
    ("select 1;", ["select 1"]),
    ("select 1; select 2;", ["select 1", "select 2"]),
    ("select 1;;; select 2", ["select 1", "select 2"]),
    ("select 1 ;\n\n  select 2 ;  \n", ["select 1", "select 2"]),
    ("select ';'; select 2", ["select ';'", "select 2"]),
    ("select 'it''s; fine'; select 2", ["select 'it''s; fine'", "select 2"]),
    ("select ''';'';'", ["select ''';'';'"]),
    ("select 'a\\'; select 2", ["select 'a\\'", "select 2"]),
    ("select E'a\\'; b'; select 2", ["select E'a\\'; b'", "select 2"]),
    ("select e'\\\\'; select 2", ["select e'\\\\'", "select 2"]),
    ("select E'a''b;'; select 2", ["select E'a''b;'", "select 2"]),
    ("select 1e'x\\';'; select 2", ["select 1e'x\\'", "'; select 2"]),
    ("select 12abe'x\\'; select 2", ["select 12abe'x\\'", "select 2"]),
    ("select 1.5e'x\\'; select 2", ["select 1.5e'x\\'", "select 2"]),
    ("select $1e'x\\'; select 2", ["select $1e'x\\'", "select 2"]),
    ("select 1e$$;$$", ["select 1e$$", "$$"]),
    ("select $1a$$;$$", ["select $1a$$", "$$"]),
    ("select 1$$;$$; select 2", ["select 1$$;$$", "select 2"]),
    ("select type'x\\'; select 2", ["select type'x\\'", "select 2"]),
    ("select U&'d\\0061t;a'; select 2", ["select U&'d\\0061t;a'", "select 2"]),
    ("select u&'a\\'; select 2", ["select u&'a\\'", "select 2"]),
    ("select U&'d!0061t;a' UESCAPE '!'; select 2", ["select U&'d!0061t;a' UESCAPE '!'", "select 2"]),
    ("select U&'x' uescape ';'; select 2", ["select U&'x' uescape ';'", "select 2"]),
    ("select U&\"d;a\"; select 2", ["select U&\"d;a\"", "select 2"]),
    ("select B'10;'; select X'1f;'", ["select B'10;'", "select X'1f;'"]),
    ("select b'1''0;'; select 2", ["select b'1''0;'", "select 2"]),
    ("select N'n;'; select 2", ["select N'n;'", "select 2"]),
    ("select n'\\'; select 2", ["select n'\\'", "select 2"]),
    ('select 1 as "a;b"; select 2', ['select 1 as "a;b"', "select 2"]),
    ('select 1 as "a"";b"; select 2', ['select 1 as "a"";b"', "select 2"]),
    ('select 1 as "a\\"; select 2', ['select 1 as "a\\"', "select 2"]),
    ("select $$a;b$$; select 2", ["select $$a;b$$", "select 2"]),
    ("select $t$a;$$;b$t$; select 2", ["select $t$a;$$;b$t$", "select 2"]),
    ("select $a$ $b$ ; $a$; select 2", ["select $a$ $b$ ; $a$", "select 2"]),
    ("select $_1$;$_1$; select 2", ["select $_1$;$_1$", "select 2"]),
    ("select $1; select 2", ["select $1", "select 2"]),
    ("select $1$; select 2", ["select $1$", "select 2"]),
    ("select a$$b; select 2", ["select a$$b", "select 2"]),
    ("select 1 as a$b$; select 2", ["select 1 as a$b$", "select 2"]),
    ("select $x$'$x$; select 2", ["select $x$'$x$", "select 2"]),
    ("select $$ 'a' $$||'b;'; select 2", ["select $$ 'a' $$||'b;'", "select 2"]),
    ("select 1 -- ; not yet\n, 2; select 3", ["select 1 -- ; not yet\n, 2", "select 3"]),
    ("-- leading; comment\nselect 1;", ["select 1"]),
    ("select 1; -- trailing; comment", ["select 1"]),
    ("select 1 /* ; */; select 2", ["select 1 /* ; */", "select 2"]),
    ("select 1 /* a /* b; */ c; */; select 2", ["select 1 /* a /* b; */ c; */", "select 2"]),
    ("/* lead */ select 1; /* only a comment */;", ["/* lead */ select 1"]),
    ("select 2 */* x; */ 3; select 4", ["select 2 */* x; */ 3", "select 4"]),
    ("select 1 --+; x\n; select 2", ["select 1 --+; x", "select 2"]),
    ("select 5 -- 1; select 2", ["select 5 -- 1; select 2"]),
    ("select 1 - -1; select 2", ["select 1 - -1", "select 2"]),
    ("select 4/2; select 2", ["select 4/2", "select 2"]),
    ("select (1; 2); select 3", ["select (1; 2)", "select 3"]),
    ("select ((1);) ; select 3", ["select ((1);)", "select 3"]),
    ("select 1); select 2", ["select 1)", "select 2"]),
    ("select ) (; select 2", ["select ) (; select 2"]),
    ("CREATE RULE r AS ON INSERT TO y DO INSTEAD (NOTIFY a; NOTIFY b); SELECT 1",
     ["CREATE RULE r AS ON INSERT TO y DO INSTEAD (NOTIFY a; NOTIFY b)", "SELECT 1"]),
    ("CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; SELECT 2; END; SELECT 3",
     ["CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; SELECT 2; END", "SELECT 3"]),
    ("create or replace procedure p() begin atomic insert into t values (1); end; call p()",
     ["create or replace procedure p() begin atomic insert into t values (1); end", "call p()"]),
    ("CREATE FUNCTION f(x int) RETURNS int BEGIN ATOMIC SELECT CASE WHEN x > 0 THEN 1 ELSE 2 END; END; SELECT 1",
     ["CREATE FUNCTION f(x int) RETURNS int BEGIN ATOMIC SELECT CASE WHEN x > 0 THEN 1 ELSE 2 END; END", "SELECT 1"]),
    ("CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END; BEGIN; SELECT 2; END;",
     ["CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END", "BEGIN", "SELECT 2", "END"]),
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ select 1; $$; select 2",
     ["CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ select 1; $$", "select 2"]),
    ("create function f() returns int language plpgsql as 'begin return 1; end'; select 2",
     ["create function f() returns int language plpgsql as 'begin return 1; end'", "select 2"]),
    ("CREATE TEMP FUNCTION begin; select 2", ["CREATE TEMP FUNCTION begin", "select 2"]),
    ("CREATE TABLE begin (a int); SELECT 1", ["CREATE TABLE begin (a int)", "SELECT 1"]),
    ("CREATE \"FUNCTION\" begin; select 2", ['CREATE "FUNCTION" begin', "select 2"]),
    ("CREATE /* x */ FUNCTION f() BEGIN ATOMIC select 1; END; select 2",
     ["CREATE /* x */ FUNCTION f() BEGIN ATOMIC select 1; END", "select 2"]),
    ("CREATE FUNCTION f(a int DEFAULT (begin)) RETURNS int RETURN 1; select 2",
     ["CREATE FUNCTION f(a int DEFAULT (begin)) RETURNS int RETURN 1", "select 2"]),
    ("begin; select 1; commit; end;", ["begin", "select 1", "commit", "end"]),
    ("DO $$ BEGIN RAISE NOTICE 'x;'; END $$; select 1", ["DO $$ BEGIN RAISE NOTICE 'x;'; END $$", "select 1"]),
    ("select 'a'\n  'b;'; select 2", ["select 'a'\n  'b;'", "select 2"]),
    ("select E'a'\n  '\\'; x'; select 2", ["select E'a'\n  '\\'", "x'; select 2"]),
    ("select E'a'\r  '\\'; x'; select 2", ["select E'a'\r  '\\'; x'", "select 2"]),
    ("select 'a\\'\n  -- c\n  'b'; select 2", ["select 'a\\'\n  -- c\n  'b'", "select 2"]),
    ("select 'a' 'b\\'; select 2", ["select 'a' 'b\\'", "select 2"]),
    ("select 'unterminated; select 2", ["select 'unterminated; select 2"]),
    ("select $$open; select 2", ["select $$open; select 2"]),
    ("select /* open; select 2", ["select /* open; select 2"]),
    ("select 1 \\; select 2; select 3", ["select 1 ; select 2", "select 3"]),
    ("select 'é;ü'; select \"ß;\"; select ünï;", ["select 'é;ü'", 'select "ß;"', "select ünï"]),
    ("select 1::int; select a[1:2] from t", ["select 1::int", "select a[1:2] from t"]),
    ("select 1.5e3; select .5; select 1..2", ["select 1.5e3", "select .5", "select 1..2"]),
    ("insert into t values (1, 'a (b'), (2, ')');select 2", ["insert into t values (1, 'a (b'), (2, ')')", "select 2"]),
]


@pytest.mark.parametrize(("script", "expected"), CASES)
def test_statements_are_cut_where_psql_cuts_them(script: str, expected: list[str]) -> None:
    statements = split_text(script)
    assert [s.sql for s in statements] == expected
    for statement in statements:  # offsets point at the text sent (\; is the one rewrite psql does)
        assert script[statement.offset:statement.offset + len(statement.sql)] == statement.sql or "\\;" in script


# standard_conforming_strings off: a backslash escapes in every plain string
OFF_CASES: list[tuple[str, list[str]]] = [
    ("select 'a\\'; b'; select 2", ["select 'a\\'; b'", "select 2"]),
    ("select 'a\\\\'; select 2", ["select 'a\\\\'", "select 2"]),
    ("select N'\\';'; select 2", ["select N'\\';'", "select 2"]),
    ("select U&'a\\'; select 2", ["select U&'a\\'", "select 2"]),
    ("select B'1''\\';'; select 2", ["select B'1''\\';'", "select 2"]),
    ("select $$\\$$; select 2", ["select $$\\$$", "select 2"]),
    ('select "a\\"; select 2', ['select "a\\"', "select 2"]),
]


@pytest.mark.parametrize(("script", "expected"), OFF_CASES)
def test_backslashes_escape_while_standard_conforming_strings_is_off(script: str, expected: list[str]) -> None:
    assert [s.sql for s in split_text(script, std_strings=False)] == expected


def test_statement_fields_locate_it_in_the_script() -> None:
    script = "-- head\n  select 1 ;\n/* c */ (SELECT 2)\n;\\d t\nselect 3"
    first, second, meta, third = split_text(script)
    assert (first.sql, first.offset, first.end, first.line, first.first_word) == ("select 1", 10, 20, 2, "SELECT")
    assert first.is_terminated and not first.is_meta
    assert (second.sql, second.first_word, second.line) == ("/* c */ (SELECT 2)", "SELECT", 3)
    assert script[second.end - 1] == ";"
    assert (meta.sql, meta.is_meta, meta.first_word, meta.line) == ("\\d t", True, "\\d", 4)
    assert (third.sql, third.is_terminated, third.end) == ("select 3", False, len(script))


def test_meta_command_ends_the_pending_statement_and_runs_to_the_end_of_its_line() -> None:
    pieces = split_text("select 1 \\g\nselect 'a\\b'; \\copy t from 'x;y'\n\\i evil.sql")
    assert [(s.sql, s.is_meta) for s in pieces] == [
        ("select 1", False), ("\\g", True), ("select 'a\\b'", False), ("\\copy t from 'x;y'", True),
        ("\\i evil.sql", True)]
    assert not pieces[0].is_terminated


def test_standard_conforming_strings_switches_from_the_next_line_as_psql_reads() -> None:
    script = "set standard_conforming_strings = off; select 'a\\'; select 1;\nselect 'b\\'; x';\nselect 3;"
    splitter = split_script(script)
    assert next(splitter).sql == "set standard_conforming_strings = off"
    splitter.set_std_strings(False)  # as the server reports after the SET; psql's lexer is still on line 1
    assert [s.sql for s in splitter] == ["select 'a\\'", "select 1", "select 'b\\'; x'", "select 3"]


def test_standard_conforming_strings_back_on_applies_to_later_lines() -> None:
    script = "select 'a\\'; b';\nset standard_conforming_strings = on;\nselect 'c\\'; select 2;"
    splitter = split_script(script, std_strings=False)
    assert next(splitter).sql == "select 'a\\'; b'"
    assert next(splitter).sql == "set standard_conforming_strings = on"
    splitter.set_std_strings(True)
    assert [s.sql for s in splitter] == ["select 'c\\'", "select 2"]
    assert split_text(script, std_strings=False)[-1].sql == "select 'c\\'; select 2;"


def test_the_latest_reported_value_wins_when_reported_twice() -> None:
    splitter = split_script("select 1;\nselect 'a\\'; b';")
    next(splitter)
    splitter.set_std_strings(False)
    splitter.set_std_strings(True)
    assert [s.sql for s in splitter] == ["select 'a\\'", "b';"]


def test_words_skip_literals_and_comments() -> None:
    assert statement_words("SELECT 'from' AS \"x\", $$ y $$ /* z */ FROM t -- w\n") == ("SELECT", "AS", "FROM", "T")
    assert split_text("with a as (select 1) insert into t select * from a")[0].words[:3] == ("WITH", "A", "AS")


@pytest.mark.parametrize(("sql", "keyword", "streamable"), [
    ("select 1", "SELECT", True),
    ("  ((VALUES (1)))", "VALUES", True),
    ("/* c */ -- d\n table t", "TABLE", True),
    ("with x as (select 1) select * from x", "WITH", True),
    ("with x as (delete from t returning *) select * from x", "WITH", False),
    ("select 1 into t2", "SELECT", False),
    ("select 'insert'", "SELECT", True),
    ("insert into t values (1) returning *", "INSERT", False),
    ("show all", "SHOW", False),
    ("'x'", "", False),
])
def test_first_keyword_and_streamable(sql: str, keyword: str, streamable: bool) -> None:
    assert first_keyword(sql) == keyword
    assert is_streamable(sql) is streamable


def test_a_large_dump_is_cut_into_its_statements() -> None:
    row = "INSERT INTO t VALUES ({0}, 'n{0}', E'a\\\\b', 'it''s (x)', $$d;$$);\n"
    script = "".join(row.format(i) for i in range(5000)) + "CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END;"
    statements = split_text(script)
    assert len(statements) == 5001
    assert statements[4999].sql == row.format(4999).rstrip()[:-1]
    assert statements[-1].first_word == "CREATE"


def test_top_level_words_leave_out_parentheses() -> None:
    assert statement_words("COPY (select 1 from stdin) TO stdout", top_level=True) == ("COPY", "TO", "STDOUT")
    assert statement_words("COPY t (a, b) FROM stdin WITH (format csv)", top_level=True) == ("COPY", "T", "FROM",
                                                                                              "STDIN", "WITH")


# -- the stream splitter: fed a few lines at a time, it cuts as split_text cuts the whole ----------------
def streamed(script: str, lines_per_feed: int, std_strings: bool = True) -> list[Statement]:
    lines = [f"{line}\n" for line in script.split("\n")]  # lines end at \n only, as psql reads them
    lines[-1] = lines[-1][:-1]
    stream, statements = StreamSplitter(std_strings), []
    for at in range(0, len(lines), lines_per_feed):
        statements += stream.feed("".join(lines[at:at + lines_per_feed]))
    return statements + list(stream.finish())


@pytest.mark.parametrize("lines_per_feed", [1, 2, 3])
def test_a_stream_is_cut_as_the_whole_script(lines_per_feed: int) -> None:
    for script, _ in CASES:
        assert streamed(script, lines_per_feed) == split_text(script), script
    for script, _ in OFF_CASES:
        assert streamed(script, lines_per_feed, std_strings=False) == split_text(script, std_strings=False), script


def test_a_stream_follows_standard_conforming_strings_from_the_next_line() -> None:
    script = "set standard_conforming_strings = off; select 'a\\'; select 1;\nselect 'b\\'; x';\nselect 3;\n"
    stream = StreamSplitter()
    first = next(stream.feed(script.split("\n", 1)[0] + "\n"))
    stream.set_std_strings(False)  # reported after the first statement: the rest of line 1 keeps the old rule
    rest = [s.sql for s in stream.feed("")] + [s.sql for s in stream.feed(script.split("\n", 1)[1])]
    assert [first.sql, *rest, *(s.sql for s in stream.finish())] == [
        "set standard_conforming_strings = off", "select 'a\\'", "select 1", "select 'b\\'; x'", "select 3"]


def test_a_stream_gives_offsets_lines_and_sources_in_the_stream() -> None:
    stream = StreamSplitter()
    assert list(stream.feed("select 1;\nselect\n")) == [Statement("select 1", 0, 9, "SELECT", 1)]
    assert (stream.open_size, stream.open_line) == (len("select\n"), 2)
    second = next(stream.feed("  2 \\; 3\n ;\n"))
    assert (second.sql, second.offset, second.line) == ("select\n  2 ; 3", 10, 2)
    assert stream.source(second) == "select\n  2 \\; 3\n ;"
    stream.restart(100, 9)  # the caller read the stream up to offset 100 as something else
    assert list(stream.feed("select 4;\n")) == [Statement("select 4", 100, 109, "SELECT", 9)]


class CountingStream(StreamSplitter):
    """A stream splitter that counts the characters it lexes."""

    lexed = 0

    def _statements(self, is_end: bool) -> Iterator[Statement]:
        self.lexed += self.open_size + self._fed_size
        return super()._statements(is_end)


def test_a_long_statement_fed_line_by_line_is_lexed_in_linear_time() -> None:
    body = "".join(f"  x := x + {i}; -- ;\n" for i in range(5000))
    script = f"CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n{body}END $$;\nselect 1;\n"
    stream, statements = CountingStream(), []
    for line in script.splitlines(keepends=True):
        statements += stream.feed(line)
    assert [s.line for s in [*statements, *stream.finish()]] == [1, 5004]
    assert stream.lexed < 4 * len(script)


# -- property: a boundary never falls inside a literal or a comment -------------------------------------
FILLER = st.text(alphabet="abc xyz19,+=()\n", min_size=1, max_size=8).filter(lambda s: "--" not in s)
INNER = st.text(alphabet="a;'\"$\\*/-\n()éx", max_size=10)


def _literal(kind: str, inner: str) -> str:
    """A literal (or comment) of the given kind holding inner text, escaped so it stays one token."""
    if kind == "plain":
        return "'" + inner.replace("\\", "").replace("'", "''") + "'"
    if kind == "escape":
        return "E'" + inner.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if kind == "unicode":
        return "U&'" + inner.replace("\\", "").replace("'", "''") + "'"
    if kind == "ident":
        return '"' + inner.replace('"', '""') + '"'
    if kind == "dollar":
        return "$q$" + inner.replace("$", "") + "$q$"
    if kind == "block":
        return "/*" + inner.replace("*", "").replace("/", "") + "*/"
    return "--" + inner.replace("\n", " ").replace("\r", " ") + "\n"


FRAGMENT = st.one_of(
    st.tuples(st.sampled_from(["plain", "escape", "unicode", "ident", "dollar", "block", "line"]), INNER),
    st.tuples(st.just("sql"), FILLER),
    st.tuples(st.just("end"), st.just(";")),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENT, max_size=25))
def test_no_boundary_inside_a_literal_or_comment(fragments: list[tuple[str, str]]) -> None:
    script, protected, ends = "", [], []
    for kind, inner in fragments:
        if kind == "sql":
            piece = inner
        elif kind == "end":
            piece = ";"
            ends.append(len(script))
        else:
            piece = " " + _literal(kind, inner) + " "
            protected.append((len(script) + 1, len(script) + len(piece) - 1))
        script += piece
    statements = split_text(script)
    cuts = [s.end - 1 for s in statements if s.is_terminated]
    for cut in cuts:
        assert not any(low <= cut < high for low, high in protected), (script, cut)
    assert set(cuts) <= set(ends)
    for statement in statements:
        for low, high in protected:  # a literal is either wholly inside a statement's text or outside it
            inside = statement.offset <= low < statement.offset + len(statement.sql)
            last = low + len(script[low:high].rstrip())  # a line comment's own line break may be trimmed
            assert not inside or last <= statement.offset + len(statement.sql), (script, statement)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(FRAGMENT, st.sampled_from([("sql", "\n"), ("sql", "\r"), ("sql", "\\! x\n")])), max_size=25),
       st.integers(1, 4))
def test_a_stream_of_any_script_is_cut_as_the_whole(fragments: list[tuple[str, str]], lines_per_feed: int) -> None:
    script = "".join(inner if kind in ("sql", "end") else f" {_literal(kind, inner)} " for kind, inner in fragments)
    assert streamed(script, lines_per_feed) == split_text(script)
