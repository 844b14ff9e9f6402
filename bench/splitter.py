"""Splitter throughput on a 50 MB dump-like script (issue 14 asks for >= 20 MB/s): python -m bench.splitter."""

from __future__ import annotations

import time

from pgadmin_lite.connections.splitter import split_text

HEAD = "SET standard_conforming_strings = on;\nCREATE TABLE public.t (id integer, name text, note text, n numeric);\n"
FUNCTION = ("CREATE FUNCTION public.f(a integer) RETURNS integer\n    LANGUAGE plpgsql\n    AS $_$\nbegin\n"
            "  return a + 1; -- x\nend;\n$_$;\n")
PLAIN = "INSERT INTO public.t (id, name, note, n) VALUES ({0}, 'name {0}', 'it''s note; {0}', {0}.{1});\n"
ESCAPED = "INSERT INTO public.t (id, name, note, n) VALUES ({0}, 'name {0}', E'a \\\\ note (x) {0}', {0}.{1});\n"


def dump_like(size: int) -> str:
    """INSERT rows (one in ten with an E'' string and parentheses in it), comments and a plpgsql function."""
    rows = "".join((ESCAPED if i % 10 == 0 else PLAIN).format(i, i % 100) for i in range(20000))
    chunk = rows + "/* block\n comment */\nCOMMENT ON TABLE public.t IS 'table (x)';\n" + FUNCTION
    return HEAD + chunk * (size // len(chunk) + 1)


def main() -> None:
    script = dump_like(50_000_000)
    started = time.process_time()
    count = len(split_text(script))
    spent = time.process_time() - started
    print(f"{len(script) / 1e6:.1f} MB, {count} statements in {spent:.2f} s CPU: {len(script) / 1e6 / spent:.1f} MB/s")


if __name__ == "__main__":
    main()
