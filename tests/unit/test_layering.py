"""The import graph keeps DESIGN.md §2's layers: connections/ knows no feature, features share nothing sideways.

Imports are read with ast (nothing is imported), including those inside functions; imports under
`if TYPE_CHECKING:` are for type hints only and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "pgadmin_lite"
FEATURES = ("servers", "browser", "dashboard", "query_tool", "storage", "jobs", "auth", "users", "workspace",
            "tool_sessions")
# Imports other work of issue 14 removes; each entry must still exist, so the list cannot outlive its reason:
# delete an entry when test_pending_exceptions_still_exist says it is gone.
PENDING: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str) -> set[str]:
    """Every module name an import statement in tree names (from a import b: both a and a.b)."""
    found: set[str] = set()
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert not node.level, f"{module}: relative import (the code base imports absolutely)"
            base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
        stack.extend(ast.iter_child_nodes(node))
    return found


def _graph() -> dict[str, set[str]]:
    return {_module_name(path): _imports(ast.parse(path.read_text(encoding="utf-8")), _module_name(path))
            for path in PACKAGE.rglob("*.py")}


GRAPH = _graph()


def _is_under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _violations(source_prefix: str, forbidden: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for module, imports in sorted(GRAPH.items()):
        if module != source_prefix and not module.startswith(source_prefix + "."):
            continue
        for name in sorted(imports):
            if _is_under(name, forbidden) and not _is_under(name, tuple(p for m, p in PENDING if m == module)):
                out.append((module, name))
    return out


def _is_known(name: str) -> bool:
    return name in GRAPH or name.rsplit(".", 1)[0] in GRAPH


def test_connections_imports_no_feature_and_no_flask() -> None:
    forbidden = (*(f"pgadmin_lite.{name}" for name in FEATURES), "flask", "flask_login")
    assert _violations("pgadmin_lite.connections", forbidden) == []


def test_pending_exceptions_still_exist() -> None:
    for module, name in sorted(PENDING):
        assert name in GRAPH.get(module, set()), f"{module} no longer imports {name}: remove it from PENDING"


@pytest.mark.parametrize(("feature", "others"), [
    ("browser", ("dashboard", "query_tool")),
    ("dashboard", ("browser", "query_tool")),
])
def test_features_share_through_the_layers_below(feature: str, others: tuple[str, ...]) -> None:
    assert _violations(f"pgadmin_lite.{feature}", tuple(f"pgadmin_lite.{name}" for name in others)) == []


def test_no_view_imports_another_view() -> None:
    views = {module for module in GRAPH if module.rsplit(".", 1)[-1].endswith("views")}
    assert len(views) >= 5 and all(_is_known(module) for module in views)
    bad = [(module, name) for module in sorted(views) for name in sorted(GRAPH[module])
           if name in views and name != module and (module, name) not in PENDING]
    assert bad == []


def test_the_walker_sees_imports() -> None:
    """The checks above would pass on an empty graph: prove the walker finds known edges, in functions too."""
    assert "pgadmin_lite.connections.opening" in GRAPH["pgadmin_lite.servers.targets"]
    assert "pgadmin_lite.query_tool.views" in GRAPH["pgadmin_lite.query_tool"]  # imported inside init_app
    assert "flask" not in GRAPH["pgadmin_lite.connections"]  # only under TYPE_CHECKING there
