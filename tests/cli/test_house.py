"""The house rules of issue 19: no module under simulator/ over 400 lines, and no circle in the
module-level import graph (imports inside functions and under ``TYPE_CHECKING`` do not count:
they are how the layers keep ``fundsim --help`` fast and name each other for type checking)."""

from __future__ import annotations

import ast
from pathlib import Path

import simulator

ROOT = Path(simulator.__file__).parent
MAX_LINES = 400


def _modules() -> dict:
    """{dotted module name: path} of every module of the package."""
    out = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(node) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _top_level_imports(name: str, path: Path, modules: dict) -> set:
    """The package's modules that ``name`` imports when it is imported (module level only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()

    def visit(body):
        for node in body:
            if isinstance(node, ast.If):
                if not _is_type_checking(node):
                    visit(node.body)
                    visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for h in node.handlers:
                    visit(h.body)
                visit(node.orelse)
                visit(node.finalbody)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules:
                        found.add(alias.name)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in modules:
                        found.add(sub)
                    elif target in modules:
                        found.add(target)
    visit(tree.body)
    found.discard(name)
    return found


def test_no_module_over_400_lines():
    long = {name: n for name, path in _modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_module_level_import_graph_has_no_circle():
    modules = _modules()
    graph = {name: _top_level_imports(name, path, modules) for name, path in modules.items()}
    # a package's __init__ importing its own submodules is how a package is built, not a circle
    # with them; a submodule importing its package's __init__ back is one
    state: dict = {}
    stack: list = []
    circles = []

    def walk(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                if not all(b.startswith(a + ".") for a, b in zip(cycle, cycle[1:])):
                    circles.append(" -> ".join(cycle))
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name)
    assert not circles, "import circles:\n" + "\n".join(circles)


def test_the_graph_sees_imports():
    """The checker itself: it finds a module's imports (so an empty graph cannot pass for no circle)."""
    modules = _modules()
    assert "simulator.compile" in _top_level_imports("simulator.api", modules["simulator.api"], modules)
    assert "simulator.kernels.numerics" in _top_level_imports(
        "simulator.kernels.population", modules["simulator.kernels.population"], modules)
