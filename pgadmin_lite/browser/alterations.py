"""The alter dialog's changes beyond owner and comment: rename, move, tablespace, sequences, functions,
table constraints and privileges — each a statement built with psycopg.sql from checked fields.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from pgadmin_lite.browser import statements
from pgadmin_lite.browser.body import Body
from pgadmin_lite.browser.refs import KINDS, SCHEMA, Ref, check_name
from pgadmin_lite.browser.table_objects import check_fragment
from pgadmin_lite.errors import BadRequest

MOVABLE = frozenset({"table", "view", "materialized_view", "sequence", "function", "type", "domain", "extension"})
TABLESPACE_KINDS = frozenset({"table", "materialized_view", "index"})
SEQUENCE_FIELDS = ("increment", "min_value", "max_value", "start", "restart", "cache", "cycle")
FUNCTION_FIELDS = ("volatility", "is_strict", "security_definer", "cost")
CONSTRAINT_FIELDS = ("add_constraints", "drop_constraints")
VOLATILITY = {"immutable": "IMMUTABLE", "stable": "STABLE", "volatile": "VOLATILE"}
ON_DELETE = {"no action": "NO ACTION", "restrict": "RESTRICT", "cascade": "CASCADE", "set null": "SET NULL",
             "set default": "SET DEFAULT"}
RELATION_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN")
# What GRANT accepts on each kind (ALL means every one of them).
PRIVILEGES = {"table": RELATION_PRIVILEGES, "view": RELATION_PRIVILEGES, "materialized_view": RELATION_PRIVILEGES,
              "sequence": ("USAGE", "SELECT", "UPDATE"), "database": ("CREATE", "CONNECT", "TEMPORARY"),
              "schema": ("CREATE", "USAGE"), "function": ("EXECUTE",), "type": ("USAGE",), "domain": ("USAGE",),
              "tablespace": ("CREATE",)}
PUBLIC = "PUBLIC"


def relocation_fields(kind: str) -> tuple[str, ...]:
    """The rename / move / tablespace fields a kind accepts."""
    fields = ["new_name"] if KINDS[kind].can_rename else []
    if kind in MOVABLE:
        fields.append("new_schema")
    if kind in TABLESPACE_KINDS:
        fields.append("tablespace")
    if kind in PRIVILEGES:
        fields += ["grant", "revoke"]
    return tuple(fields)


def set_schema(ref: Ref, row: dict[str, Any], schema: str) -> sql.Composable:
    return sql.SQL("ALTER {} {} SET SCHEMA {}").format(sql.SQL(statements.keyword(ref, row)),
                                                       statements.target(ref, row), sql.Identifier(schema))


def set_tablespace(ref: Ref, row: dict[str, Any], tablespace: str) -> sql.Composable:
    """ALTER TABLE / MATERIALIZED VIEW / INDEX / DATABASE … SET TABLESPACE (a database's runs alone)."""
    return sql.SQL("ALTER {} {} SET TABLESPACE {}").format(sql.SQL(statements.keyword(ref, row)),
                                                           statements.target(ref, row), sql.Identifier(tablespace))


def moved(ref: Ref, body: Body) -> Ref:
    """The ref after SET SCHEMA: what later statements (a rename) must name."""
    schema = body.name("new_schema")
    if schema is None or KINDS[ref.kind].scope != SCHEMA:
        return ref
    return Ref(**{**ref.params(), "schema": schema})


def _bound(body: Body, field: str, word: str) -> sql.Composable | None:
    """MINVALUE n / NO MINVALUE (null) when the field was sent."""
    if not body.has(field):
        return None
    value = body.integer(field)
    return sql.SQL(f"NO {word}") if value is None else sql.SQL(f"{word} {{}}").format(sql.Literal(value))


def alter_sequence(ref: Ref, row: dict[str, Any], body: Body) -> list[sql.Composable]:
    """ALTER SEQUENCE with increment, bounds, start, restart (true: at start; or a value), cache and cycle."""
    options: list[sql.Composable] = []
    if (increment := body.integer("increment")) is not None:
        if increment == 0:
            raise BadRequest("increment must not be zero.", field="increment")
        options.append(sql.SQL("INCREMENT BY {}").format(sql.Literal(increment)))
    options += [b for b in (_bound(body, "min_value", "MINVALUE"), _bound(body, "max_value", "MAXVALUE")) if b]
    if (start := body.integer("start")) is not None:
        options.append(sql.SQL("START WITH {}").format(sql.Literal(start)))
    restart = body.data.get("restart")
    if restart is True:
        options.append(sql.SQL("RESTART"))
    elif restart not in (None, False):
        options.append(sql.SQL("RESTART WITH {}").format(sql.Literal(body.integer("restart"))))
    if (cache := body.integer("cache", minimum=1)) is not None:
        options.append(sql.SQL("CACHE {}").format(sql.Literal(cache)))
    if (cycle := body.flag("cycle")) is not None:
        options.append(sql.SQL("CYCLE" if cycle else "NO CYCLE"))
    if not options:
        return []
    return [sql.SQL("ALTER SEQUENCE {} {}").format(statements.target(ref, row), sql.SQL(" ").join(options))]


def alter_function(ref: Ref, row: dict[str, Any], body: Body) -> list[sql.Composable]:
    """ALTER FUNCTION … volatility, strictness, security and cost (a procedure has only security)."""
    actions: list[sql.Composable] = []
    is_procedure = row.get("function_kind") == "procedure"
    if is_procedure and any(body.has(f) for f in ("volatility", "is_strict", "cost")):
        raise BadRequest("A procedure has no volatility, strictness or cost; only security definer.")
    if (volatility := body.text("volatility")) is not None:
        if volatility not in VOLATILITY:
            raise BadRequest(f"volatility must be one of: {', '.join(VOLATILITY)}.", field="volatility")
        actions.append(sql.SQL(VOLATILITY[volatility]))
    if (strict := body.flag("is_strict")) is not None:
        actions.append(sql.SQL("STRICT" if strict else "CALLED ON NULL INPUT"))
    if (definer := body.flag("security_definer")) is not None:
        actions.append(sql.SQL("SECURITY DEFINER" if definer else "SECURITY INVOKER"))
    cost = body.data.get("cost")
    if cost is not None:
        if isinstance(cost, bool) or not isinstance(cost, (int, float)) or cost <= 0:
            raise BadRequest("cost must be a positive number.", field="cost")
        actions.append(sql.SQL("COST {}").format(sql.Literal(cost)))
    if not actions:
        return []
    return [sql.SQL("ALTER {} {} {}").format(sql.SQL(statements.keyword(ref, row)), statements.target(ref, row),
                                             sql.SQL(" ").join(actions))]


def _constraint(spec: dict[str, Any], where: str) -> sql.Composable:
    """ADD [CONSTRAINT name] CHECK (…) | UNIQUE (…) | PRIMARY KEY (…) | FOREIGN KEY (…) REFERENCES t (…)."""
    allowed = {"name", "type", "columns", "expression", "references", "on_delete"}
    if unknown := set(spec) - allowed:
        raise BadRequest(f"{where}: unknown field(s) {', '.join(sorted(unknown))}.")
    kind = spec.get("type")
    if not isinstance(kind, str):
        raise BadRequest(f"{where}.type must be check, unique, primary_key or foreign_key.")
    columns = spec.get("columns") or []
    if not isinstance(columns, list):
        raise BadRequest(f"{where}.columns must be a list of names.")
    names = statements.identifiers(check_name(c, f"{where}.columns") or "" for c in columns)
    if kind == "check":
        expression = spec.get("expression")
        if not isinstance(expression, str):
            raise BadRequest(f"{where}.expression must be the condition, e.g. price > 0.")
        body = sql.SQL("CHECK ({})").format(sql.SQL(check_fragment(expression, f"{where}.expression",  # type: ignore[arg-type]
                                                                    allow_strings=True)))
    elif kind in ("unique", "primary_key", "foreign_key"):
        if not columns:
            raise BadRequest(f"{where}.columns must name at least one column.")
        body = sql.SQL("{} ({})").format(sql.SQL({"unique": "UNIQUE", "primary_key": "PRIMARY KEY",
                                                  "foreign_key": "FOREIGN KEY"}[kind]), names)
        if kind == "foreign_key":
            body = sql.SQL("{} {}").format(body, _references(spec, where))
    else:
        raise BadRequest(f"{where}.type must be check, unique, primary_key or foreign_key.")
    if spec.get("name"):
        body = sql.SQL("CONSTRAINT {} {}").format(sql.Identifier(check_name(spec["name"], f"{where}.name") or ""),
                                                  body)
    return sql.SQL("ADD {}").format(body)


def _references(spec: dict[str, Any], where: str) -> sql.Composable:
    ref = spec.get("references")
    if not isinstance(ref, dict) or set(ref) - {"schema", "table", "columns"}:
        raise BadRequest(f"{where}.references must be {{schema, table, columns}}.")
    table = sql.Identifier(check_name(ref.get("schema"), f"{where}.references.schema") or "",
                           check_name(ref.get("table"), f"{where}.references.table") or "")
    out = sql.SQL("REFERENCES {}").format(table)
    if (columns := ref.get("columns")) is not None:
        if not isinstance(columns, list) or not columns:
            raise BadRequest(f"{where}.references.columns must list the referenced columns.")
        out = sql.SQL("{} ({})").format(out, statements.identifiers(
            check_name(c, f"{where}.references.columns") or "" for c in columns))
    if (on_delete := spec.get("on_delete")) is not None:
        if not isinstance(on_delete, str) or on_delete not in ON_DELETE:
            raise BadRequest(f"{where}.on_delete must be one of: {', '.join(ON_DELETE)}.")
        out = sql.SQL("{} ON DELETE {}").format(out, sql.SQL(ON_DELETE[on_delete]))
    return out


def constraint_actions(body: Body) -> list[sql.Composable]:
    """ALTER TABLE actions dropping, then adding, constraints (so one can be replaced under its name)."""
    actions = [sql.SQL("DROP CONSTRAINT {}").format(sql.Identifier(n)) for n in body.names("drop_constraints") or []]
    return actions + [_constraint(spec, f"add_constraints[{i}]")
                      for i, spec in enumerate(body.items("add_constraints") or [])]


def _grantee(value: Any, where: str) -> sql.Composable:
    """A role, or PUBLIC (as the properties panel names it)."""
    if value == PUBLIC:
        return sql.SQL(PUBLIC)
    return sql.Identifier(check_name(value, where) or "")


def _privileges(ref: Ref, value: Any, where: str) -> sql.Composable:
    allowed = PRIVILEGES[ref.kind]
    if not isinstance(value, list) or not value or not all(isinstance(p, str) for p in value):
        raise BadRequest(f"{where} must list privileges: ALL or {', '.join(allowed)}.")
    wanted = [p.upper() for p in value]
    if wanted == ["ALL"]:
        return sql.SQL("ALL")
    if bad := [p for p in wanted if p not in allowed]:
        raise BadRequest(f"{where}: a {ref.kind.replace('_', ' ')} has no privilege {', '.join(bad)}.",
                         hint=f"Choose from ALL, {', '.join(allowed)}.")
    return sql.SQL(", ").join(sql.SQL(p) for p in wanted)


def privilege_changes(ref: Ref, row: dict[str, Any], body: Body) -> list[sql.Composable]:
    """GRANT … TO grantee [WITH GRANT OPTION] and REVOKE … FROM grantee, for each item sent."""
    on = statements.privilege_target(ref, row)
    out: list[sql.Composable] = []
    for field, word in (("revoke", "REVOKE"), ("grant", "GRANT")):
        for i, item in enumerate(body.items(field) or []):
            where = f"{field}[{i}]"
            if unknown := set(item) - {"grantee", "privileges", "grantable"}:
                raise BadRequest(f"{where}: unknown field(s) {', '.join(sorted(unknown))}.")
            privileges, grantee = _privileges(ref, item.get("privileges"), f"{where}.privileges"), \
                _grantee(item.get("grantee"), f"{where}.grantee")
            if word == "GRANT":
                option = sql.SQL(" WITH GRANT OPTION" if item.get("grantable") is True else "")
                out.append(sql.SQL("GRANT {} ON {} TO {}{}").format(privileges, on, grantee, option))
            else:
                out.append(sql.SQL("REVOKE {} ON {} FROM {}").format(privileges, on, grantee))
    return out


def kind_changes(ref: Ref, row: dict[str, Any], body: Body) -> list[sql.Composable]:
    """The sequence and function attributes (tables, roles and databases have modules of their own)."""
    if ref.kind == "sequence":
        return alter_sequence(ref, row, body)
    if ref.kind == "function":
        return alter_function(ref, row, body)
    return []
