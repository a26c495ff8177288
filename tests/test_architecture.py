"""The layering of emulator/, read from its imports (an ``ast`` walk: every import, at any depth).

The rule (docs/ARCHITECTURE.md): the Face (cli, pytest plugin, client) uses the App; the App
wires Vendors and Control; Vendors and Control use the shared Machinery; Machinery never names a
vendor; the two vendors never import each other; ``client.py`` speaks only HTTP; and no module
imports itself back through any chain, not even inside a function or under ``TYPE_CHECKING``.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "emulator"
ROOT = "emulator"

#: layer -> the layers it may import (besides itself and the package root, which holds only the version)
ALLOWED = {
    "face": {"app"},
    "app": {"vendor", "control", "machinery"},
    "control": {"machinery"},
    "vendor": {"machinery"},
    "machinery": set(),
}
FACE = {"emulator.cli", "emulator.pytest_plugin", "emulator.client", "emulator.__main__"}
APP = {"emulator.app", "emulator.vendors"}
CONTROL = ("emulator.control", "emulator.ui")
VENDORS = ("emulator.twentythree", "emulator.apivideo")
#: where a vendor may be named: its own package and the registration
VENDOR_WORDS = re.compile(r"twentythree|apivideo|api\.video|23 ?video", re.IGNORECASE)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer(name: str) -> str:
    if name in FACE:
        return "face"
    if name in APP:
        return "app"
    if name.startswith(CONTROL):
        return "control"
    if name.startswith(VENDORS):
        return "vendor"
    return "machinery"


def vendor_of(name: str) -> str | None:
    return next((v for v in VENDORS if name == v or name.startswith(v + ".")), None)


def _absolute(importer: str, is_package: bool, level: int, module: str | None) -> str:
    if not level:
        return module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """(imported emulator module, line) for every import statement in the file, nested ones too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(name, is_package, node.level, node.module)
            # ``from pkg import sub`` imports the submodule; ``from mod import obj`` the module
            targets = [f"{target}.{a.name}" if f"{target}.{a.name}" in known else target for a in node.names]
        else:
            continue
        for target in targets:
            if target == ROOT or target.startswith(ROOT + "."):
                yield target, node.lineno


def graph() -> dict[str, set[str]]:
    """Module -> modules its import statements load (a submodule also loads its parent packages)."""
    known = modules()
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for target, _ in imports(name, path, known):
            parts = target.split(".")
            for depth in range(2, len(parts) + 1):  # the parents' __init__ run first
                parent = ".".join(parts[:depth])
                if parent != name and parent in known and not name.startswith(parent + "."):
                    edges[name].add(parent)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
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

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def violations() -> list[str]:
    """Each import that breaks the layering, as 'file:line: importer -> imported (why)'."""
    known = modules()
    problems = []
    for name, path in known.items():
        where = f"{path.relative_to(PACKAGE.parent)}"
        for target, line in imports(name, path, known):
            if target == ROOT:
                continue
            mine, theirs = layer(name), layer(target)
            if name == "emulator.client":
                problems.append(f"{where}:{line}: {name} -> {target} (client.py speaks only HTTP)")
            elif mine == "vendor" and theirs == "vendor" and vendor_of(name) != vendor_of(target):
                problems.append(f"{where}:{line}: {name} -> {target} (a vendor imports another vendor)")
            elif theirs != mine and theirs not in ALLOWED[mine]:
                problems.append(f"{where}:{line}: {name} -> {target} ({mine} may not import {theirs})")
            elif mine == "face" and theirs == "face" and target != "emulator.client":
                problems.append(f"{where}:{line}: {name} -> {target} (the Face uses the App)")
    return problems


def test_no_import_breaks_the_layering() -> None:
    assert violations() == []


def test_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_client_imports_only_the_standard_library() -> None:
    tree = ast.parse((PACKAGE / "client.py").read_text(encoding="utf-8"))
    third_party = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                   for alias in node.names}
    third_party |= {node.module.split(".")[0] for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    import sys

    assert {name for name in third_party if name not in sys.stdlib_module_names and name != "__future__"} == set()


@pytest.mark.parametrize("name", sorted(n for n in modules() if layer(n) in {"machinery", "control"}))
def test_shared_code_names_no_vendor(name: str) -> None:
    """Machinery and Control learn the vendors from their declarations, never by name."""
    text = modules()[name].read_text(encoding="utf-8")
    hits = [f"{number}: {line.strip()}" for number, line in enumerate(text.splitlines(), 1)
            if VENDOR_WORDS.search(line)]
    assert hits == []


def test_the_rule_sees_a_cycle_and_a_forbidden_import() -> None:
    """The checks above can fail: a made-up graph with a cycle, and a machinery -> vendor import."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer("emulator.journal") == "machinery" and "vendor" not in ALLOWED["machinery"]
    assert vendor_of("emulator.apivideo.ids") != vendor_of("emulator.twentythree.models")
