"""Secrets masked before the history keeps a script: every form, and text that only looks like one kept as is."""

from __future__ import annotations

import pytest

from pgadmin_lite.connections.splitter import lex_tokens, split_text
from pgadmin_lite.query_tool.masking import mask_secrets

SECRET = "s3cr3t"


@pytest.mark.parametrize(("sql", "masked"), [
    (f"CREATE ROLE a PASSWORD '{SECRET}'", "CREATE ROLE a PASSWORD '***'"),
    (f"create user a with encrypted password '{SECRET}' login", "create user a with encrypted password '***' login"),
    (f"ALTER ROLE a PASSWORD $$'{SECRET}'$$", "ALTER ROLE a PASSWORD '***'"),
    (f"ALTER ROLE a PASSWORD $x${SECRET}$x$;", "ALTER ROLE a PASSWORD '***';"),
    (f"ALTER ROLE a PASSWORD E'{SECRET}\\'{SECRET}'", "ALTER ROLE a PASSWORD '***'"),
    (f"ALTER ROLE a PASSWORD U&'{SECRET}'", "ALTER ROLE a PASSWORD '***'"),
    (f"ALTER ROLE a PASSWORD 'x\\' {SECRET}'", "ALTER ROLE a PASSWORD '***'"),  # either reading of the backslash
    (f"ALTER ROLE a PASSWORD -- why\n '{SECRET}'", "ALTER ROLE a PASSWORD -- why\n '***'"),
    (f"ALTER ROLE a PASSWORD '{SECRET}", "ALTER ROLE a PASSWORD '***'"),  # unterminated: to the end
    (f"ALTER SERVER s OPTIONS (ADD password '{SECRET}')", "ALTER SERVER s OPTIONS (ADD password '***')"),
    (f"SELECT dblink_connect('dbname=d  password = {SECRET} host=h')",
     "SELECT dblink_connect('dbname=d  password = *** host=h')"),
    (f"SELECT dblink_connect(E'sslpassword={SECRET}')", "SELECT dblink_connect(E'sslpassword=***')"),
    (f"SELECT dblink('postgres://u:{SECRET}@h/d?sslmode=require', 'select 1')",
     "SELECT dblink('postgres://u:***@h/d?sslmode=require', 'select 1')"),
    (f"DO $body$ BEGIN EXECUTE format('ALTER ROLE a PASSWORD ''{SECRET}'''); END $body$",
     "DO $body$ BEGIN EXECUTE format('***'); END $body$"),
    (f"CREATE FUNCTION f() RETURNS void AS $$ ALTER ROLE a PASSWORD '{SECRET}' $$ LANGUAGE sql",
     "CREATE FUNCTION f() RETURNS void AS $$ ALTER ROLE a PASSWORD '***' $$ LANGUAGE sql"),
    ("SELECT 'PASSWORD ''quoted'' looks like dynamic SQL'", "SELECT '***'"),  # cannot be told apart: masked
])
def test_each_form_is_masked(sql: str, masked: str) -> None:
    assert mask_secrets(sql) == masked


@pytest.mark.parametrize("sql", [
    "SELECT password FROM accounts WHERE name = 'x'",
    "UPDATE accounts SET password = 'kept, not a role password'",
    "-- ALTER ROLE a PASSWORD 'only a comment'\nSELECT 1",
    "SELECT \"password\" 'typed literal'",
    "SELECT $$password: it is a text$$",
])
def test_text_that_only_looks_like_a_secret_is_kept(sql: str) -> None:
    assert mask_secrets(sql) == sql


def test_tokens_cover_a_script_the_fast_path_would_skip() -> None:
    script = "SELECT 'a'; SELECT \"b\", $$c$$ /* d */; SELECT e"
    assert len(split_text(script)) == 3
    kinds = [(token.kind, script[token.start:token.end]) for token in lex_tokens(script)]
    assert kinds == [("word", "SELECT"), ("string", "'a'"), ("word", "SELECT"), ("ident", '"b"'),
                     ("dollar", "$$c$$"), ("comment", "/* d */"), ("word", "SELECT"), ("word", "e")]
