"""The shape of zhbook.importer: modules that import each other one way only, reports through Diagnostics."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast
PACKAGE = Path(__file__).resolve().parent.parent.parent / "zhbook" / "importer"


def imports_within_the_package() -> dict[str, set[str]]:
    """Module → the package's modules it imports, at module level or inside functions."""
    graph = {}
    for path in PACKAGE.glob("*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                found.add(node.module or "__init__")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("zhbook.importer"):
                found.add(node.module.rpartition(".")[2] if node.module != "zhbook.importer" else "__init__")
        graph[path.stem] = found
    return graph


def test_the_modules_form_no_import_cycle():
    graph = imports_within_the_package()
    assert graph == {"__init__": {"classify", "rules", "write"}, "rules": set(), "punctuation": {"rules"},
                     "classify": {"punctuation", "rules"}, "write": {"classify", "rules"}}
    order = ["rules", "punctuation", "classify", "write", "__init__"]  # each imports only modules before it
    assert all(order.index(dep) < order.index(module) for module, deps in graph.items() for dep in deps)


def test_the_package_prints_nothing_itself():
    for path in PACKAGE.glob("*.py"):
        calls = [node.func.id for node in ast.walk(ast.parse(path.read_text("utf-8")))
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)]
        assert "print" not in calls and "sys.stderr" not in path.read_text("utf-8"), path.name
