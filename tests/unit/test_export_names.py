"""What an export is called and how its SQL quotes: the one table a simple statement reads or changes, else its
first words; PostgreSQL's quote_literal() semantics."""

from __future__ import annotations

import pytest

from pgadmin_lite.connections.export_formats import quote_literal, sql_value
from pgadmin_lite.connections.export_names import content_disposition, file_stem, source_table


@pytest.mark.parametrize(("statement", "table", "stem"), [
    ("SELECT * FROM Orders", ("orders",), "orders"),
    ('select a from public."My Tab" where x = 1 order by 2', ("public", "My Tab"), "My_Tab"),
    ("-- report\nTABLE sales.q1", ("sales", "q1"), "q1"),
    ("insert into t (a) values (1) returning *", ("t",), "t"),
    ("update only t set a = 1 returning a", ("t",), "t"),
    ("delete from log returning *", ("log",), "log"),
    ("select * from a join b using (id)", None, "select_from"),
    ("select * from a x, b", None, "select_from"),
    ("select * from generate_series(1, 3) g", None, "select_from"),
    ("select extract(year from d) from t", None, "select_extract_year_from"),
    ("select * from t union select * from u", None, "select_from"),
    ("with w as (select 1) select * from w", None, "with_w_as"),
    ("select 1", None, "select_1"),
    ("  ", None, "export"),
])
def test_the_file_is_named_after_its_one_table_or_first_words(statement: str, table: tuple[str, ...] | None,
                                                              stem: str) -> None:
    assert source_table(statement) == table
    assert file_stem(statement, table) == stem


def test_a_unicode_name_has_an_ascii_fallback() -> None:
    assert content_disposition("tâble.csv") == "attachment; filename=\"table.csv\"; filename*=UTF-8''t%C3%A2ble.csv"


@pytest.mark.parametrize(("value", "literal"), [
    (None, "NULL"), (True, "TRUE"), (3, "3"), (0.1, "0.1"), ("it's", "'it''s'"), ("a\\b", "E'a\\\\b'"),
    ("\\x00ff", "E'\\\\x00ff'"), (["a b", None], "'{\"a b\",NULL}'"), ("NaN", "'NaN'"),
])
def test_values_are_quoted_as_quote_literal_does(value: object, literal: str) -> None:
    assert sql_value(value) == literal
    assert quote_literal("x") == "'x'"
