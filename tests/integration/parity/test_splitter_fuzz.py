"""Random scripts of tricky fragments, glued with and without spaces, standard_conforming_strings on or off:
our cuts equal psql's (its query log)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pgadmin_lite.connections.splitter import split_text
from tests.integration.parity.conftest import Harness
from tests.integration.parity.test_splitter_psql import as_sent, psql_sent

# No backslash outside a literal and no "!": whatever the gluing, psql must never see a meta-command it obeys.
TOKENS = ["select", "create", "function", "procedure", "or", "replace", "begin", "atomic", "end", "case",
          "e", "E", "u", "U", "&", "b", "x", "n", "1", "1e", "1.5", "$1", "$", "a$b", "$a", "(", ")", ";", ",",
          "+", "-", "*", "/", ".", ":", "'x'", "'a;b'", "''''", "E'\\''", "e'\\\\'", "U&'a'", "B'1'", "X'f'",
          "N'n'", "$$;$$", "$t$;$$;$t$", "\"q;\"", "U&\"d\"", "/* ; */", "/* /* ; */ */", "-- ;\n", "\n", "\r"]
GLUE = st.sampled_from(["", " ", "\n"])


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(TOKENS), GLUE), min_size=1, max_size=14), st.booleans())
def test_random_scripts_are_cut_as_psql_cuts_them(harness: Harness, tmp_path: Path,
                                                 pieces: list[tuple[str, str]], std: bool) -> None:
    text = "".join(token + glue for token, glue in pieces)
    script = tmp_path / "fuzz.sql"
    script.write_bytes(text.encode())
    statements = split_text(text, std_strings=std)
    assume(not any(s.is_meta for s in statements))  # gluing can put a backslash outside quotes: psql's \' then
    ours = [as_sent(s) for s in statements]
    assert ours == psql_sent(harness, script, harness.scratch_database(), stop=False, std=std), text
