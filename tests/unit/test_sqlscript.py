"""The plain SQL reader of restores: psql's statement boundaries, COPY data blocks, and meta-commands refused
with their line, while a backslash inside any literal or comment stays text."""

from __future__ import annotations

import io

import pytest

from pgadmin_lite.jobs import sqlscript
from pgadmin_lite.jobs.sqlscript import ScriptError, ScriptReader
from tests.unit.test_splitter import CASES, OFF_CASES


def read(text: str | bytes) -> list[tuple[int, str, bool, str]]:
    """(first line, statement, is COPY FROM stdin, its data) for each statement of text."""
    raw = text.encode() if isinstance(text, str) else text
    return [(s.line, s.sql.decode(), s.is_copy_in, b"".join(s.data).decode()) for s in ScriptReader(io.BytesIO(raw))]


def refusal(text: str) -> str:
    with pytest.raises(ScriptError) as caught:
        read(text)
    return str(caught.value)


@pytest.mark.parametrize(("text", "line", "command"), [
    ("select 1;\n\\! id > /tmp/x\n\\o /tmp/y\n\\copy (select 1) to '/tmp/z'\n", 2, "\\!"),
    ("\\o /tmp/y\n", 1, "\\o"),
    ("\\copy t from '/etc/passwd'\n", 1, "\\copy"),
    ("\\i /etc/passwd\n", 1, "\\i"),
    ("\\ir other.sql\n", 1, "\\ir"),
    ("\\setenv PAGER 'sh -c id'\n", 1, "\\setenv"),
    ("select 'select 1' \\gexec\n", 1, "\\gexec"),
    ("select 1 \\g /tmp/out\n", 1, "\\g"),
    ("select 1; \\! id\n", 1, "\\!"),
    ("select 1,\n  2\n\\! id\n;\n", 3, "\\!"),
    ("select (1,\n\\! id\n);", 2, "\\!"),
    ("select $$ a $$ \\! id\n", 1, "\\!"),
    ("select E'\\'' \\! id\n", 1, "\\!"),
    ("/* \\! a */ \\! id\n", 1, "\\!"),
    ("\\.\n", 1, "\\."),
    ("\\unrestrict abc\n", 1, "\\unrestrict abc"),
    ("\\restrict abc\nselect 1;\n\\restrict abc\n", 3, "\\restrict abc"),
    ("\\restrict abc\nselect 1;\n\\unrestrict abd\n", 3, "\\unrestrict abd"),
    ("select 1\n\\restrict abc\n;\n", 2, "\\restrict"),
])
def test_a_meta_command_is_refused_with_its_line(text: str, line: int, command: str) -> None:
    message = refusal(text)
    assert message.startswith(f"Line {line}: ") and f" {command} " in message, message


@pytest.mark.parametrize("literal", [
    "'a \\! b'", "'it''s \\o x'", "E'a \\' \\! b'", "e'\\\\'", "$$ \\! ; $$", "$fn$ \\! $$ ; $fn$",
    '"odd \\! name"', "U&'\\0041'", "B'101'",
])
def test_a_backslash_inside_a_literal_is_text(literal: str) -> None:
    assert read(f"select {literal};\nselect 2;") == [(1, f"select {literal};", False, ""), (2, "select 2;", False, "")]


def test_comments_hide_backslashes_and_leading_ones_are_not_sent() -> None:
    text = "-- \\! id\n/* outer /* \\! nested */ still \\o */ select 1; -- \\! id\n\n   select 2; /* x */\n"
    assert read(text) == [(2, "/* outer /* \\! nested */ still \\o */ select 1;", False, ""),
                          (4, "select 2;", False, "")]
    assert read("-- only\n/* comments */\n") == []


def test_statements_span_lines_literals_and_parentheses() -> None:
    text = "select 'a;\nb', $q$;\n$q$, (1;\n2)\n;select 3"
    assert read(text) == [(1, "select 'a;\nb', $q$;\n$q$, (1;\n2)\n;", False, ""), (5, "select 3", False, "")]


def test_sql_function_bodies_keep_their_semicolons_as_psql_does() -> None:
    text = ("CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n"
            "  SELECT CASE WHEN true THEN 2 END;\nEND;\nBEGIN;\nSELECT 3;\nEND;\n")
    assert [s[:2] for s in read(text)] == [
        (1, "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n"
            "  SELECT CASE WHEN true THEN 2 END;\nEND;"),
        (6, "BEGIN;"), (7, "SELECT 3;"), (8, "END;")]


def test_standard_conforming_strings_off_makes_backslash_escape_quotes() -> None:
    text = ("SET standard_conforming_strings = off;\nselect 'a\\'; \\! b';\n"
            "SET standard_conforming_strings TO 'on';\nselect 'c\\';\n")
    assert [s[:2] for s in read(text)] == [
        (1, "SET standard_conforming_strings = off;"), (2, "select 'a\\'; \\! b';"),
        (3, "SET standard_conforming_strings TO 'on';"), (4, "select 'c\\';")]
    assert refusal("SET standard_conforming_strings = on;\nselect 'a\\'; \\! b';\n").startswith("Line 2: ")


def test_copy_data_is_data_up_to_its_terminator() -> None:
    text = ("COPY public.t (a, b) FROM stdin;\n1\t\\N\n2\ta\\\\.b \\! id\n\\\\.\n\\.\n"
            "select 2;\ncopy t from STDIN with (format csv);\r\nx,\"\\! y\"\r\n\\.\r\n")
    assert read(text) == [
        (1, "COPY public.t (a, b) FROM stdin;", True, "1\t\\N\n2\ta\\\\.b \\! id\n\\\\.\n"),
        (6, "select 2;", False, ""),
        (7, "copy t from STDIN with (format csv);", True, "x,\"\\! y\"\r\n")]


def test_copy_data_runs_to_the_end_of_the_file_without_a_terminator() -> None:
    assert read("COPY t FROM stdin;\n1\n2") == [(1, "COPY t FROM stdin;", True, "1\n2")]


def test_only_copy_from_stdin_reads_data() -> None:
    text = "COPY t TO stdout;\nCOPY (select 1 from stdin) TO stdout;\nCOPY t FROM '/x';\n"
    assert [s[2] for s in read(text)] == [False, False, False]


def test_nothing_may_follow_copy_from_stdin_on_its_line() -> None:
    assert refusal("COPY t FROM stdin; \\! id\n").startswith("Line 1: nothing may follow")
    assert refusal("COPY t FROM stdin; select 1;\n").startswith("Line 1: nothing may follow")


def test_a_long_copy_row_streams_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlscript, "DATA_CHUNK_BYTES", 4)
    statements = iter(ScriptReader(io.BytesIO(b"COPY t FROM stdin;\nabcdefghij\n\\.\nselect 1;\n")))
    pieces = list(next(statements).data)
    assert b"".join(pieces) == b"abcdefghij\n" and max(map(len, pieces)) <= 2 * 4
    assert [(s.line, s.sql) for s in statements] == [(4, b"select 1;")]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 64])
def test_copy_data_is_the_same_whatever_the_block_size(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    monkeypatch.setattr(sqlscript, "DATA_CHUNK_BYTES", size)
    text = ("COPY t FROM stdin;\nabcd\\.\n\\.x\nx\\.\n\\.\r\n\nselect 1;\nCOPY u FROM stdin;\n\\.\n"
            "COPY v FROM stdin;\nlast\n\\.")
    assert read(text) == [(1, "COPY t FROM stdin;", True, "abcd\\.\n\\.x\nx\\.\n"), (7, "select 1;", False, ""),
                          (8, "COPY u FROM stdin;", True, ""), (10, "COPY v FROM stdin;", True, "last\n")]


def test_pg_dump_restrict_lines_are_accepted_and_skipped() -> None:
    key = "Snz6vjxwVfeOosD55VP1fIzezHtpNy6XV67e5EdxPrXiFDEz0QJLfHuZEJJmQGs"
    text = f"--\n-- dump\n--\n\n\\restrict {key}\n\nSET x = 1;\n\n\\unrestrict {key}\n\n"
    assert read(text) == [(7, "SET x = 1;", False, "")]


def test_an_oversized_statement_or_line_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlscript, "STATEMENT_MAX_BYTES", 20)
    assert refusal("select 1;\nselect\n'aaaaaaaaaa',\n'bbbbbbbbbbbb';\n").startswith("Line 2: the statement is longer")
    assert refusal("select 1;\nselect 'aaaaaaaaaaaaaaaaaaaa';\n").startswith("Line 2: the line is longer")


def test_bytes_pass_through_unchanged() -> None:
    latin1 = "select 'caf\u00e9';".encode("latin-1")
    assert [s.sql for s in ScriptReader(io.BytesIO(latin1))] == [latin1]


def test_a_backslash_semicolon_puts_a_semicolon_into_the_statement_as_psql_does() -> None:
    assert read("select 1\\; select 2;\nselect 3;\n") == [(1, "select 1; select 2;", False, ""),
                                                        (2, "select 3;", False, "")]


@pytest.mark.parametrize(("script", "expected", "std"), [*((s, e, True) for s, e in CASES),
                                                         *((s, e, False) for s, e in OFF_CASES)])
def test_the_reader_cuts_the_splitter_table_as_psql_does(script: str, expected: list[str], std: bool) -> None:
    head = "" if std else "SET standard_conforming_strings = off;\n"  # the file's own SET, followed from line 2
    statements = [sql for _, sql, _, _ in read(head + script)][0 if std else 1:]
    assert [sql[:-1].rstrip() if sql.endswith(";") else sql for sql in statements] == expected

