"""No import circles among the product's modules, and every module imports in a fresh interpreter."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set

import pytest

from assistant.settings import PROJECT_ROOT

PACKAGES = ("assistant", "actions")


def product_modules() -> Dict[str, Path]:
    """Module name -> file, for every module of the product's packages (not the migrations' scripts)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _inside_functions(tree: ast.AST) -> Set[int]:
    return {id(node) for func in ast.walk(tree) if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef))
            for node in ast.walk(func) if node is not func}


def import_graph(modules: Dict[str, Path], lazy: bool) -> Dict[str, Set[str]]:
    """Edges module -> product module it imports (`from pkg import submodule` counts as the submodule).
    With lazy=False only imports that run when the module is imported (not those inside functions)."""
    graph: Dict[str, Set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = set() if lazy else _inside_functions(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            targets: List[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def circles(graph: Dict[str, Set[str]]) -> List[Set[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[Set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_in_a_circle():
    assert circles(import_graph(product_modules(), lazy=False)) == []


def test_no_circle_through_imports_inside_functions():
    found = circles(import_graph(product_modules(), lazy=True))
    assert found == [], f"import circles (imports inside functions included): {[sorted(c) for c in found]}"


def imported_test_modules(path: Path) -> Set[str]:
    """The test modules (tests/**/test_*.py) a module of tests/ imports, at its top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found.update(n for n in names if n.startswith("tests.") and n.rpartition(".")[2].startswith("test_"))
    return found


def test_no_test_module_imports_another():
    """Shared fixtures and helpers live in tests/conftest.py and tests/helpers/, never in a test module."""
    offending = {}
    for path in sorted((PROJECT_ROOT / "tests").rglob("*.py")):
        imported = imported_test_modules(path)
        if imported:
            offending[str(path.relative_to(PROJECT_ROOT))] = sorted(imported)
    assert offending == {}, f"move what these import into tests/helpers/: {offending}"


def test_no_product_module_imports_the_tests():
    """The product runs without tests/ (a city's install): what both need lives in the product."""
    offending = {}
    for name, path in product_modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            offending.update({name: n for n in names if n == "tests" or n.startswith("tests.")})
    assert offending == {}, f"product modules importing tests/: {offending}"


def test_the_circle_check_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert circles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("order", ["sorted", "reversed"])
def test_every_module_imports_in_a_fresh_interpreter(order):
    """Importing every module, one after the other, in a fresh interpreter: a module that only works when
    another was imported first (a hidden circle or order dependence) fails in one of the two orders."""
    names = sorted(n for n in product_modules() if not n.endswith("__main__"))
    if order == "reversed":
        names.reverse()
    script = ("import importlib, sys\n"
              "for name in sys.argv[1:]:\n"
              "    try:\n"
              "        importlib.import_module(name)\n"
              "    except Exception as exc:\n"
              "        print(f'{name}: {type(exc).__name__}: {exc}')\n"
              "        sys.exit(1)\n")
    result = subprocess.run([sys.executable, "-c", script, *names], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
