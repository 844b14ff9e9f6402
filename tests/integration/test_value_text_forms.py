"""Arrays, ranges, composites and intervals reach the API as PostgreSQL's own ::text (what psql prints), so the
grid, its copies and the CSV agree with psql (real PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server

TEXT_FORM_CASES = [
    "ARRAY[1, 2]",
    "ARRAY[1, NULL, 3]",
    "ARRAY[[1, 2], [3, 4]]",
    "ARRAY[[[1], [2]], [[3], [4]]]",
    "'[0:1]={7,8}'::int[]",
    "ARRAY['a,b', 'say \"hi\"', ' lead', 'x y', '', 'NULL', NULL, 'back\\slash', '{brace}']",
    "ARRAY[9007199254740993, 1]::int8[]",
    "ARRAY[1.5, 'NaN']::float8[]",
    "ARRAY[1.50]::numeric[]",
    "ARRAY[true, false]",
    "ARRAY['2024-01-02'::date]",
    "ARRAY['{\"a\": 1}'::jsonb]",
    "ARRAY['(1,2),(0,0)'::box, '(3,3),(2,2)'::box]",
    "ARRAY[ROW(1, 'x y'), ROW(2, NULL)]",
    "'{}'::int[]",
    "'[1,5)'::int4range",
    "int4range(1, 5, '[]')",
    "'empty'::int4range",
    "'(,10)'::int8range",
    "numrange(1.5, 2.25)",
    "daterange('2024-01-01', '2024-02-01')",
    "tstzrange('2024-01-01 00:00+00', '2024-01-02 12:30+00', '[)')",
    "'{[1,3), [5,7)}'::int4multirange",
    "ARRAY[int4range(1, 3), 'empty']",
    "ROW(1, 'x y', NULL)",
    "ROW(1, ROW('a,b', 2), ARRAY[1, 2])",
    "ROW('', ' ', 'q\"uote')",
    "'1 day 02:00'::interval",
    "'1 year 2 mons 3 days 04:05:06.789'::interval",
    "'-1 day +02:03'::interval",
    "'0'::interval",
    "ARRAY['1 hour'::interval, '-3 days']",
]


@pytest.fixture
def tool(admin_client: Any, pg_server: Any, pg_database: str) -> QueryTool:
    return open_tool(admin_client, register_server(admin_client, pg_server, pg_database), pg_database)


def test_values_come_as_postgresql_text_forms(tool: QueryTool) -> None:
    tool.run("SET TIME ZONE 'UTC'")
    pairs = ", ".join(f"{expr}, ({expr})::text" for expr in TEXT_FORM_CASES)
    result = tool.run(f"SELECT {pairs}")
    assert result["error"] is None, result["error"]
    values = result["rows"][0]
    for index, expr in enumerate(TEXT_FORM_CASES):
        sent, text = values[2 * index], values[2 * index + 1]
        assert sent == text, f"{expr}: the API sent {sent!r}, PostgreSQL's ::text is {text!r}"


def test_arrays_of_user_enums_and_composites_match_too(tool: QueryTool) -> None:
    tool.run("CREATE TYPE mood AS ENUM ('ok', 'not ok'); CREATE TYPE pair AS (a int, b text)")
    result = tool.run("SELECT ARRAY['ok', 'not ok']::mood[], (ARRAY['ok', 'not ok']::mood[])::text,"
                      " ARRAY[ROW(1, 'b c')::pair], (ARRAY[ROW(1, 'b c')::pair])::text")
    first, first_text, second, second_text = result["rows"][0]
    assert (first, second) == (first_text, second_text) == ('{ok,"not ok"}', '{"(1,\\"b c\\")"}')
