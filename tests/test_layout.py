"""The package layout is the architecture: one folder per stage, each importing only from the stages below it.

docs/design.md ("Package layout") names the order. This test reads every module's imports (function-level ones
too) and fails on an import upwards or sideways between stages, and on any import circle between modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import insatsgraf

PACKAGE = Path(insatsgraf.__file__).parent

LAYERS = [
    {"errors", "__init__"},
    {"config"},
    {"model"},
    {"sparql"},
    {"catalogue"},
    {"harmonisation"},
    {"submission"},
    {"publication"},
    {"api", "commands", "cli", "__main__"},
]
"""Bottom to top: a module may import from its own layer's folder and from the layers below."""


def _unit(module: str) -> str:
    """The folder (or top-level module) a dotted module name belongs to: ``insatsgraf.sparql.store`` → sparql."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(unit: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if unit in names)


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    """Each module's imports of other ``insatsgraf`` modules (``from insatsgraf.x import y`` counts y when it
    is a module)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    out: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("insatsgraf"):
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    found.add(sub if sub in modules else node.module)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("insatsgraf")}
        out[name] = {m for m in found if m != name and m in modules}
    return out


def test_every_module_belongs_to_a_layer() -> None:
    for module in _imports():
        if module != "insatsgraf":
            _layer(_unit(module))  # StopIteration names the module that fits nowhere


def test_stages_import_only_from_below() -> None:
    wrong = []
    for module, imported in _imports().items():
        if module == "insatsgraf":
            continue
        here = _unit(module)
        for other in imported:
            there = _unit(other)
            if other == "insatsgraf" or there == here:
                continue
            if _layer(there) > _layer(here) or (_layer(there) == _layer(here) and there != here):
                if not ({here, there} <= {"api", "commands", "cli", "__main__"}):
                    wrong.append(f"{module} imports {other}")
    assert not wrong, "imports against the layer order:\n" + "\n".join(sorted(wrong))


def test_no_import_circles() -> None:
    graph = _imports()
    circles: list[list[str]] = []

    def visit(node: str, path: list[str], on_path: set[str], done: set[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in on_path:
                circles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in done:
                visit(nxt, [*path, nxt], on_path | {nxt}, done)
        done.add(node)

    done: set[str] = set()
    for start in sorted(graph):
        if start not in done and start != "insatsgraf":
            visit(start, [start], {start}, done)
    assert not circles, "import circles:\n" + "\n".join(" → ".join(c) for c in circles)
