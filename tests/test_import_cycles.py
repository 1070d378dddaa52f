"""No import loops among our own modules, counting imports inside functions too.

A function-level import only postpones a loop to the first call; it is still two modules that
each need the other. The test reads every first-party module with ``ast`` (nothing is imported),
draws an edge for every import statement wherever it stands (except under ``if TYPE_CHECKING:``,
which never runs), and fails on every strongly connected group of two or more modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ideology_office", "responsibility", "study", "positions", "sentiment", "inspections")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def first_party_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[_module_name(path)] = path
    return modules


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _import_nodes(tree: ast.AST):
    """Every Import/ImportFrom, at any depth, outside ``if TYPE_CHECKING:`` bodies."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        for child in ast.iter_child_nodes(node):
            if _is_type_checking(child):
                stack.extend(child.orelse)
            else:
                stack.append(child)


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _targets(module: str, path: Path, node, known: set[str]) -> set[str]:
    """The first-party modules one import statement loads: ``from pkg import name`` loads the
    submodule ``pkg.name`` when there is one, else ``pkg`` itself."""
    found = set()
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = _resolve(module, path, node)
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
    for name in names:
        # `import a.b.c` of something that is not a module (an attribute) loads its nearest module.
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name != module:
            found.add(name)
    return found


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {imported module: line of the first such import}."""
    modules = first_party_modules()
    known = set(modules)
    graph: dict[str, dict[str, int]] = {}
    for module, path in modules.items():
        edges: dict[str, int] = {}
        for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            for target in _targets(module, path, node, known):
                edges.setdefault(target, node.lineno)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's strongly connected components of two or more modules, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so that a long chain cannot hit the recursion limit.
        work = [(start, iter(graph.get(start, ())))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, ()))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _describe(group: list[str], graph: dict[str, dict[str, int]]) -> str:
    members = set(group)
    edges = [
        f"    {source} -> {target} (line {line})"
        for source in group
        for target, line in sorted(graph[source].items())
        if target in members
    ]
    return " <-> ".join(group) + "\n" + "\n".join(edges)


def test_the_detector_finds_module_and_function_level_loops():
    graph = {"a": {"b": 1}, "b": {"c": 3}, "c": {"a": 9}, "d": {"a": 1}, "e": {"e": 1}}
    assert cycles(graph) == [["a", "b", "c"]]
    source = "import os\nfrom . import b\n\ndef f():\n    from .c import thing\n\nif TYPE_CHECKING:\n    from . import d\n"
    path = ROOT / "pkg" / "a.py"
    known = {"pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.d"}
    loaded = set()
    for node in _import_nodes(ast.parse(source)):
        loaded |= _targets("pkg.a", path, node, known)
    assert loaded == {"pkg.b", "pkg.c"}


def test_the_graph_sees_our_modules():
    graph = import_graph()
    assert "ideology_office.notifications.services" in graph
    assert "ideology_office.notifications.sources" in graph["ideology_office.notifications.services"]


def test_no_import_loops_among_first_party_modules():
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import loops (restructure so that dependencies go one way):\n" + "\n".join(
        _describe(group, graph) for group in found
    )
