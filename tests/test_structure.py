"""The package's shape: no import cycles (imports inside functions count, `if TYPE_CHECKING:` ones do
not), and no module but zhbook/pdf/weasyprint.py changes WeasyPrint or pydyf."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

PACKAGE = Path(__file__).resolve().parents[1] / "zhbook"
PATCHED_LIBRARIES = ("weasyprint", "pydyf")
PATCHING_MODULE = "zhbook.pdf.weasyprint"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST):
    """Every import statement, in functions too, skipping `if TYPE_CHECKING:` bodies."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                yield from _import_nodes(ast.Module(body=[child], type_ignores=[]))
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        yield from _import_nodes(node)


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The zhbook modules `name` imports."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in _import_nodes(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            # `from . import x` imports the submodule x if there is one, else a name of the package.
            targets = [f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in known else origin
                       for alias in node.names]
        found |= {target for target in targets if target in known and target != name}
    return found


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return result


def test_the_cycle_finder_finds_a_cycle_through_an_import_inside_a_function(tmp_path):
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    module = tmp_path / "m.py"
    module.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from zhbook import x\n"
                      "def f():\n    from zhbook import y\n")
    assert imports_of("zhbook.m", module, {"zhbook.x", "zhbook.y", "zhbook.m"}) == {"zhbook.y"}


def test_the_package_has_no_import_cycles():
    graph = import_graph()
    assert len(graph) > 20 and any(graph.values())
    assert cycles(graph) == []


def _patches(tree: ast.AST) -> list[str]:
    """Assignments to an attribute of a name bound to WeasyPrint or pydyf (a module or a class of theirs)."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names
                      if alias.name.split(".")[0] in PATCHED_LIBRARIES}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in PATCHED_LIBRARIES:
            bound |= {alias.asname or alias.name for alias in node.names}
    found = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        for target in targets:
            root = target
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(target, ast.Attribute) and isinstance(root, ast.Name) and root.id in bound:
                found.append(f"line {node.lineno}: {ast.unparse(target)}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" \
                and isinstance(node.args[0], ast.Name) and node.args[0].id in bound:
            found.append(f"line {node.lineno}: setattr({node.args[0].id}, …)")
    return found


def test_the_patch_finder_sees_an_assignment_to_weasyprint():
    tree = ast.parse("from weasyprint.layout import inline\nimport pydyf\nfrom .weasyprint import hooks\n"
                     "inline.f = g\npydyf.x.y = 1\nother.z = 2\nhooks.ours = 3\n")
    assert _patches(tree) == ["line 4: inline.f", "line 5: pydyf.x.y"]


def test_only_one_module_changes_weasyprint():
    found = {name: _patches(ast.parse(path.read_text("utf-8"))) for name, path in modules().items()
             if name != PATCHING_MODULE}
    assert {name: lines for name, lines in found.items() if lines} == {}
    assert PATCHING_MODULE in modules()
