"""Rules of the code's shape, read from src/handprop itself.

* No import cycle between handprop's modules, counting imports inside functions too (imports
  under ``if TYPE_CHECKING:`` do not run and do not count).
* No package attribute hides a submodule (``handprop.trace`` the function once hid the module).
* No function longer than ``MAX_FUNCTION_LINES`` lines.

Each rule has one allowlist of known exceptions, in files another piece of work is changing;
the allowlists are meant to be emptied, and an entry that no longer applies fails the test.
"""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import pkgutil
import sys
from pathlib import Path

import handprop

SRC = Path(handprop.__file__).resolve().parent.parent
PACKAGE = SRC / "handprop"

#: import edges (importer, imported) left in a cycle (none: every cycle is gone)
IMPORT_CYCLE_ALLOWLIST: frozenset[tuple[str, str]] = frozenset()

MAX_FUNCTION_LINES = 120
#: functions (module:qualified name) longer than that (none)
LONG_FUNCTION_ALLOWLIST: frozenset[str] = frozenset()


# ------------------------------------------------------------------------------ the modules


def module_files() -> dict[str, Path]:
    """Every module of the package (dotted name -> file), compiled extensions included."""
    out: dict[str, Path] = {}
    suffixes = (".py", *importlib.machinery.EXTENSION_SUFFIXES, ".c")
    for path in PACKAGE.rglob("*"):
        suffix = next((s for s in suffixes if path.name.endswith(s)), None)
        if suffix is None or "__pycache__" in path.parts:
            continue
        parts = list(path.relative_to(SRC).parts)
        parts[-1] = parts[-1][: -len(suffix)]
        if parts[-1] == "__init__":
            parts.pop()
        out.setdefault(".".join(parts), path)
    return out


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run, at any depth, except under ``if TYPE_CHECKING``."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                stack.extend(child.orelse)
            else:
                stack.append(child)
    return found


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """``name`` or the nearest package above it that is one of ``modules``."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """Module -> the handprop modules it imports (``from pkg import mod`` names ``pkg.mod``)."""
    modules = module_files()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = set()
        if path.suffix != ".py":
            continue
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _imports(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, *([base] if base else [])])
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                    for a in node.names
                ]
            for target in targets:
                known = _known(target, modules)
                if known is not None and known != name:
                    graph[name].add(known)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a path that returns to its start) for each strongly connected group."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_a_cycle(sorted(group), graph) for group in groups]


def _a_cycle(group: list[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = group[0]
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & set(group)):
                if w == start:
                    return [*paths[v], start]
                if w not in paths:
                    paths[w] = [*paths[v], w]
                    nxt.append(w)
        frontier = nxt
    return group


# ------------------------------------------------------------------------------ the rules


def test_no_import_cycles():
    graph = import_graph()
    for importer, imported in IMPORT_CYCLE_ALLOWLIST:
        graph[importer].discard(imported)
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_every_allowlisted_import_is_still_there_and_still_closes_a_cycle():
    graph = import_graph()
    for importer, imported in IMPORT_CYCLE_ALLOWLIST:
        assert imported in graph[importer], f"{importer} no longer imports {imported}"
        assert any(importer in c for c in cycles(graph)), f"{importer} is in no cycle"


def test_the_import_graph_sees_imports_in_functions_and_not_type_only_ones():
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from handprop.a import A\n"
        "def f():\n    from handprop.b import B\n"
        "class C:\n    def g(self):\n        import handprop.c\n"
    )
    names = [getattr(n, "module", None) or n.names[0].name for n in _imports(tree)]
    assert sorted(names) == ["handprop.b", "handprop.c", "typing"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_package_attribute_hides_a_submodule():
    for info in pkgutil.walk_packages(handprop.__path__, "handprop."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    hidden = []
    for name, module in sorted(sys.modules.items()):
        parent, _, child = name.rpartition(".")
        if name.startswith("handprop.") and parent in sys.modules:
            attribute = getattr(sys.modules[parent], child, module)
            if attribute is not module:
                hidden.append(f"{parent}.{child} is {type(attribute).__name__}, not the module")
    assert not hidden, "\n".join(hidden)


def long_functions() -> dict[str, int]:
    """``module:qualified.name`` -> lines, for every function over ``MAX_FUNCTION_LINES``."""
    out: dict[str, int] = {}
    for module, path in module_files().items():
        if path.suffix != ".py":
            continue
        tree = ast.parse(path.read_text("utf-8"))
        stack: list[tuple[ast.AST, str]] = [(tree, "")]
        while stack:
            node, prefix = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    qual = f"{prefix}{child.name}"
                    stack.append((child, qual + "."))
                    if not isinstance(child, ast.ClassDef):
                        first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                        lines = (child.end_lineno or child.lineno) - first + 1
                        if lines > MAX_FUNCTION_LINES:
                            out[f"{module}:{qual}"] = lines
                else:
                    stack.append((child, prefix))
    return out


def test_no_function_is_longer_than_the_limit():
    found = long_functions()
    over = {name: n for name, n in found.items() if name not in LONG_FUNCTION_ALLOWLIST}
    assert not over, f"functions over {MAX_FUNCTION_LINES} lines: {over}"


def test_every_allowlisted_long_function_is_still_long():
    short = sorted(LONG_FUNCTION_ALLOWLIST - set(long_functions()))
    assert not short, f"{short} are short now: remove them from the allowlist"
