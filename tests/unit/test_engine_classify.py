"""How the engine classifies statements, and the fates ledger, without a server."""

from __future__ import annotations

import pytest

from pgadmin_lite.connections.classify import Copy, kind_of, savepoint_name
from pgadmin_lite.connections.fates import Ledger


@pytest.mark.parametrize(("statement", "declarable"), [
    ("select 1", True), ("  (select 1)", True), ("values (1)", True), ("table t", True),
    ("with x as (select 1) select * from x", True), ("with x as (insert into t values (1) returning *) "
                                                      "select * from x", False),
    ("select 1 into t2", False), ("select * from t for update", False), ("select 'insert into'", True),
    ("select \"update\" from t", True), ("-- insert\nselect 1", True), ("/* into */ select 1", True),
    ("insert into t values (1) returning a", False), ("explain select 1", False), ("show all", False),
    ("select $$ delete $$", True), ("select E'\\' into'", True),
])
def test_declarable(statement: str, declarable: bool) -> None:
    assert kind_of(statement).is_declarable is declarable


@pytest.mark.parametrize(("statement", "copy"), [
    ("copy t to stdout", Copy.OUT), ("COPY (select 1) TO STDOUT WITH CSV HEADER", Copy.OUT),
    ("copy t from stdin", Copy.IN), ("copy t to '/tmp/stdout'", Copy.NONE), ("select 'stdout'", Copy.NONE),
])
def test_copy_direction(statement: str, copy: Copy) -> None:
    assert kind_of(statement).copy is copy


@pytest.mark.parametrize(("statement", "refused", "no_begin"), [
    ("vacuum t", True, True), ("create database x", True, True), ("create index concurrently i on t (a)", True, True),
    ("create unique index concurrently i on t (a)", True, True), ("drop index concurrently i", True, True),
    ("alter system set work_mem = '1MB'", True, True), ("reindex database x", True, True),
    ("cluster", True, True), ("cluster t using i", False, False), ("create index i on t (a)", False, False),
    ("discard all", True, True), ("begin", False, True), ("commit", False, True), ("savepoint a", False, True),
    ("prepare transaction 'x'", False, True), ("prepare p as select 1", False, False), ("insert into t values (1)",
                                                                                      False, False),
])
def test_transaction_block_rules(statement: str, refused: bool, no_begin: bool) -> None:
    kind = kind_of(statement)
    assert (kind.cannot_run_in_transaction, kind.no_begin) == (refused, no_begin)


@pytest.mark.parametrize(("statement", "name"), [
    ("savepoint a", "a"), ("SAVEPOINT Abc", "abc"), ('savepoint "Mixed"', "Mixed"), ("rollback to savepoint b", "b"),
    ("rollback to c", "c"), ("release savepoint d", "d"), ("release e", "e"),
])
def test_savepoint_names_fold_like_identifiers(statement: str, name: str) -> None:
    assert savepoint_name(statement) == name


def test_the_ledger_follows_savepoints_and_the_end_of_the_transaction() -> None:
    ledger = Ledger(7)
    script = ["begin", "insert into t values (1)", "savepoint a", "insert into t values (2)", "rollback to a",
              "insert into t values (3)", "commit"]
    states = [False, False, False, False, False, False, True]  # is_idle after each
    for index, (statement, is_idle) in enumerate(zip(script, states, strict=True)):
        ledger.ran(index, kind_of(statement), statement, was_idle=index == 0, is_idle=is_idle,
                   tag="COMMIT" if statement == "commit" else None)
    assert ledger.fates == ["committed", "committed", "committed", "rolled_back", "committed", "committed",
                            "committed"]
    assert ledger.summary() == "Statements 1\N{EN DASH}3 were committed; statement 4 was rolled back; " \
                               "statements 5\N{EN DASH}7 were committed."


def test_a_commit_answered_rollback_rolls_everything_back() -> None:
    ledger = Ledger(3)
    ledger.ran(0, kind_of("begin"), "begin", was_idle=True, is_idle=False, tag="BEGIN")
    ledger.ran(1, kind_of("insert"), "insert", was_idle=False, is_idle=False, tag="INSERT 0 1")
    ledger.ran(2, kind_of("commit"), "commit", was_idle=False, is_idle=True, tag="ROLLBACK")
    assert ledger.fates == ["rolled_back"] * 3


# With standard_conforming_strings off a backslash escapes the next character in a plain '…' literal too,
# so the same text hides different words (the splitter tells the engine how each statement was lexed).
@pytest.mark.parametrize(("statement", "std_strings", "declarable", "copy"), [
    ("select '\\' into t2 -- '", True, False, Copy.NONE),  # '\' is a literal: INTO is a word
    ("select '\\' into t2 -- '", False, True, Copy.NONE),  # '\' into t2 -- ' is one literal
    ("select 'x\\'' into t2", True, True, Copy.NONE),  # 'x\'' into t2 is one (unfinished) literal
    ("select 'x\\'' into t2", False, False, Copy.NONE),  # 'x\'' is x': INTO is a word
    ("select E'\\'' into t2", True, False, Copy.NONE),  # E'' escapes either way
    ("select E'\\'' into t2", False, False, Copy.NONE),
    ("copy (select 'a\\' to stdout') to '/tmp/f'", False, False, Copy.NONE),
    ("copy (select 'a\\' to stdout') to '/tmp/f'", True, False, Copy.OUT),
    ("select 'a\\\\' , 1 into t2", False, False, Copy.NONE),  # an escaped backslash ends the literal
    ("select 'don''t' into t2", False, False, Copy.NONE),  # doubled quotes still work with it off
])
def test_standard_conforming_strings_off_is_honoured(statement: str, std_strings: bool, declarable: bool,
                                                     copy: Copy) -> None:
    kind = kind_of(statement, std_strings)
    assert (kind.is_declarable, kind.copy) == (declarable, copy)
