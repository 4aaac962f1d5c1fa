"""The shape of the code: imports point one way (no cycle, none hidden in a function), and the
tests test the code beside them."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import compiler
from tests.conftest import ROOT


def module_names(package: Path) -> dict[str, Path]:
    """Every module under `package`, by dotted name (a package by its own name)."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def _imported(node: ast.Import | ast.ImportFrom, here: str, is_package: bool, names: dict[str, Path]) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in names}
    base = node.module or ""
    if node.level:
        anchor = here.split(".")[: len(here.split(".")) - node.level + (1 if is_package else 0)]
        base = ".".join([*anchor, *([base] if base else [])])
    found = {f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in names}
    if len(found) < len(node.names) and base in names:
        found.add(base)
    return found


def import_graph(package: Path) -> tuple[nx.DiGraph, list[str]]:
    """Module -> module it imports, over `package`; and every import made inside a function."""
    names = module_names(package)
    graph = nx.DiGraph()
    in_functions = []
    for name, path in names.items():
        graph.add_node(name)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                in_functions.extend(f"{path}:{node.lineno}" for node in ast.walk(function)
                                    if isinstance(node, (ast.Import, ast.ImportFrom)))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _imported(node, name, path.name == "__init__.py", names):
                    graph.add_edge(name, target)
    return graph, in_functions


def test_no_import_cycle_among_compiler_modules() -> None:
    graph, in_functions = import_graph(ROOT / "compiler")
    assert "compiler.cli" in graph and graph.has_edge("compiler.cli", "compiler.commands.evaluate")
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        cycle = []
    assert cycle == [], " -> ".join(edge[0] for edge in cycle)
    assert in_functions == [], "imports inside functions hide a dependency from readers and from this test"


def test_the_import_graph_sees_cycles_and_hidden_imports(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "a.py").write_text("from pkg.sub import b\n", encoding="utf-8")
    (package / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (package / "sub" / "b.py").write_text("from .. import a\n\ndef f():\n    import json\n", encoding="utf-8")
    graph, in_functions = import_graph(package)
    assert set(graph.edges) == {("pkg.a", "pkg.sub.b"), ("pkg.sub.b", "pkg.a")}
    assert in_functions == [f"{package / 'sub' / 'b.py'}:4"]


def test_the_tests_import_the_compiler_beside_them() -> None:
    """In a clone, the tests must run the clone's code, not an installed or editable copy elsewhere."""
    assert Path(compiler.__file__).resolve() == ROOT / "compiler" / "__init__.py"
